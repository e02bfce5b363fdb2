import Datasets
import JSON

/// `fields` and `defaults`: renames a file's own columns to the shape's field names and fills
/// constant fields. A mapped column takes the place of the file's column in the record; a file
/// column that has the same name as a mapped field is dropped (the mapping wins); defaults fill
/// fields still missing, appended in the order of their names.
struct FieldMapping {
    /// Shape field -> file column.
    let columns: [String: String]
    let defaults: [(key: String, value: String)]
    private let targets: [String: [String]]

    init(columns: [String: String], defaults: [String: String]) {
        self.columns = columns
        self.defaults = defaults.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        var targets: [String: [String]] = [:]
        for (field, column) in columns.sorted(by: { $0.key < $1.key }) { targets[column, default: []].append(field) }
        self.targets = targets
    }

    var isIdentity: Bool { columns.isEmpty && defaults.isEmpty }

    func apply(_ row: Record) throws(RecordProblem) -> Record {
        if isIdentity { return row }
        var out = Record()
        for field in row.fields {
            if let names = targets[field.key] {
                for name in names { out[name] = field.value }
            } else if columns[field.key] == nil {
                out[field.key] = field.value
            }
        }
        for (field, column) in columns.sorted(by: { $0.key < $1.key }) where row[column] == nil {
            if defaults.contains(where: { $0.key == field }) { continue }
            throw RecordProblem(
                "missing field \"\(column)\" (mapped to \"\(field)\"; "
                    + "fields: \(row.fieldNames.joined(separator: ", ")))")
        }
        for (field, value) in defaults where out[field] == nil { out[field] = .string(value) }
        return out
    }
}
