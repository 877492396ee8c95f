import Foundation

/// A parsed JSON document that keeps JSON's own types apart (true is not 1, 1 is not "1"),
/// which request validation needs; JSONSerialization on Linux hands back NSNumber for both.
indirect enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// Parses `data`; the error is one line saying what is wrong.
    static func parse(_ data: Data) throws -> JSONValue {
        do { return try JSONDecoder().decode(JSONValue.self, from: data) }
        catch let DecodingError.dataCorrupted(context) {
            let detail = (context.underlyingError as NSError?).flatMap { $0.userInfo[NSDebugDescriptionErrorKey] as? String } ?? context.debugDescription
            throw JSONValueError(message: detail.split(separator: "\n").first.map(String.init) ?? detail)
        } catch {
            throw JSONValueError(message: "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)")
        }
    }

    var string: String? { if case .string(let s) = self { return s }; return nil }
    var integer: Int? { if case .number(let n) = self, n == n.rounded(), abs(n) < 1e15 { return Int(n) }; return nil }
    var isNumber: Bool { if case .number = self { return true }; return false }
}

struct JSONValueError: Error { var message: String }
