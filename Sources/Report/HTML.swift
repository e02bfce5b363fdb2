import Foundation

/// Text made safe for HTML element content and attribute values (both quotes escaped), so stage
/// ids, prompts and model answers are always shown as text, never interpreted.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{0}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// A number the way people read it: 3 significant digits, or whole when large.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : value > 0 ? "∞" : "-∞" }
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 1e15 { return format("%.3g", value) }
        if value == value.rounded() { return String(Int(value)) }
        if magnitude >= 1000 { return String(Int(value.rounded())) }
        if magnitude < 0.001 { return format("%.3g", value) }
        if magnitude >= 100 { return format("%.1f", value) }
        if magnitude >= 10 { return format("%.2f", value) }
        return format("%.3g", value)
    }

    /// Bytes in B, KB, MB, GB (powers of 1024, as `pipe show` prints them).
    public static func bytes(_ count: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : format("%.1f %@", value, units[unit])
    }

    /// Seconds as "0.42 s", "27.5 s", "3 min 12 s", "1 h 02 min".
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 1e12 else { return number(seconds) + " s" }
        if seconds < 10 { return format("%.2f s", seconds) }
        if seconds < 60 { return format("%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return format("%d h %02d min", whole / 3600, (whole % 3600) / 60)
    }

    static func format(_ pattern: String, _ args: any CVarArg...) -> String {
        String(format: pattern, arguments: args)
    }
}
