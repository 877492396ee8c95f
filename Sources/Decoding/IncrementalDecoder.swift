/// What search needs from a model: encode a batch of sources once, then extend every row by
/// one token at a time, returning log-probabilities over the vocabulary, with caches that
/// can be reordered (rows selected or duplicated) as beams are pruned.
public protocol IncrementalDecoder: AnyObject {
    var vocabularySize: Int { get }
    var bosID: Int32 { get }
    var eosID: Int32 { get }
    /// Tokens search must never produce (padding, BOS).
    var forbiddenIDs: [Int32] { get }

    /// The longest output (in tokens, `</s>` excluded) the model can produce: its positions.
    var maxOutputLength: Int { get }

    /// Encodes the sources; afterwards the decoder holds one row per source, empty prefix,
    /// ready for at most `maxSteps` calls of `step`.
    func begin(sources: [[Int32]], maxSteps: Int) throws
    /// Keeps, in this order, the rows listed (indices may repeat: a row becomes beams).
    func reorder(rows: [Int])
    /// Feeds one token per current row and writes log-probabilities of the next token,
    /// rows × vocabularySize, into `logProbs` (resized as needed).
    func step(tokens: [Int32], logProbs: inout [Float]) throws
}
