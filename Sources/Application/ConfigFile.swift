import Foundation
import Yams

/// A YAML file of command-line settings (`nmt train --config run.yaml`): a mapping whose keys
/// are flag names without the dashes. Reading keeps each key's line so errors can name it;
/// writing produces a file that reading accepts (`nmt show NAME --config`).
public struct ConfigFile: Sendable {
    public enum Value: Equatable, Sendable {
        case text(String)
        case boolean(Bool)
        case list([String])
    }

    public struct Entry: Equatable, Sendable {
        public var key: String
        public var value: Value
        /// 1-based line of the key in the file (0 for entries not read from a file).
        public var line: Int

        public init(key: String, value: Value, line: Int = 0) {
            self.key = key; self.value = value; self.line = line
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Reads `path`; every problem is one line naming the file and, where there is one, the line.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ApplicationError("\(path): cannot read the config file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ApplicationError("\(path): not UTF-8 text") }
        try self.init(yaml: text, name: path)
    }

    public init(yaml text: String, name: String) throws {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ApplicationError(Self.describe(error, name: name))
        }
        guard let root else { entries = []; return }
        guard let mapping = root.mapping else {
            throw ApplicationError("\(name):\(root.mark?.line ?? 1): expected a mapping of settings (key: value), one per line")
        }
        var entries: [Entry] = []
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line ?? 0
            guard let key = keyNode.scalar?.string, !key.isEmpty else {
                throw ApplicationError("\(name):\(line): a key must be a flag name such as 'lr'")
            }
            entries.append(Entry(key: key, value: try Self.value(valueNode, key: key, at: "\(name):\(line)"), line: line))
        }
        self.entries = entries
    }

    private static func value(_ node: Node, key: String, at place: String) throws -> Value {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if scalar.string.isEmpty || ["~", "null", "Null", "NULL"].contains(scalar.string) {
                    throw ApplicationError("\(place): '\(key)' has no value")
                }
                if let flag = Bool(scalar.string.lowercased()) { return .boolean(flag) }
            }
            return .text(scalar.string)
        case .sequence(let sequence):
            return .list(try sequence.map { item in
                guard let text = item.scalar?.string else {
                    throw ApplicationError("\(place): '\(key)' must be a list of plain values")
                }
                return text
            })
        case .mapping, .alias:
            throw ApplicationError("\(place): '\(key)' must be a value or a list, not a nested mapping")
        }
    }

    /// One line: Yams' messages span lines (a snippet with a caret) and start with
    /// "LINE:COLUMN: error: " where libyaml knows the place.
    private static func describe(_ error: YamlError, name: String) -> String {
        // Yams refuses repeated keys itself (marking the first one).
        if case let .duplicatedKeysInMapping(duplicates, context) = error {
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return "\(name):\(context.mark.line): \(keys) is given more than once"
        }
        var text = "\(error)".split(separator: "\n").first.map(String.init) ?? ""
        var place = name
        let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        if parts.count == 4, let line = Int(parts[0]), Int(parts[1]) != nil, parts[2].trimmingCharacters(in: .whitespaces) == "error" {
            place += ":\(line)"
            text = parts[3].trimmingCharacters(in: .whitespaces)
        }
        while text.hasSuffix(":") { text.removeLast() }
        return "\(place): not valid YAML: \(text)"
    }

    /// The file's text: `comments` as `#` lines, then one `key: value` per entry.
    public func yaml(comments: [String] = []) throws -> String {
        var pairs: [(Node, Node)] = []
        for entry in entries {
            let value: Node
            switch entry.value {
            case .text(let text):
                // Quoted when reading the plain form back would give something else (true, null, an empty value).
                let plain = Node(text)
                let reread = try? Self.value(plain, key: entry.key, at: "")
                value = reread == .text(text) ? plain : Node(text, Tag(.str), .doubleQuoted)
            case .boolean(let flag):
                value = Node(flag ? "true" : "false")
            case .list(let items):
                value = Node(items.map { Node($0) })
            }
            pairs.append((Node(entry.key), value))
        }
        let body = pairs.isEmpty ? "" : try Yams.serialize(node: Node.mapping(Node.Mapping(pairs)), width: -1, allowUnicode: true)
        return comments.map { "# \($0)\n" }.joined() + body
    }
}
