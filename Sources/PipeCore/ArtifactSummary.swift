/// The ready rendering a stage leaves in its artifact for `pipe show`: Markdown for people and,
/// optionally, JSON for `--json`. Stages write it through `StageContext.writeSummary`.
public enum ArtifactSummary {
    public static let markdownFile = "show.md"
    public static let jsonFile = "show.json"
}
