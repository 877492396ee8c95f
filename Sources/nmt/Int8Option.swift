import Application
import ArgumentParser
import Transformer

/// `--int8` for the commands that decode (translate, serve, eval): one flag, one help text.
struct Int8Option: ParsableArguments {
    @Flag(help: """
        Decode with int8 weights (opt-in approximation: every decoder matrix product in int8, AVX-512 VNNI or AVX2 \
        when the CPU has them, picked at run time; the encoder stays float32).
        """)
    var int8 = false

    /// The model's quantized decoder weights when --int8 was given.
    func weights(for model: TransformerModel, console: Console) -> Int8DecoderWeights? {
        guard int8 else { return nil }
        console.info("int8 decoding: kernel \(Int8DecoderWeights.kernelName)")
        return Int8DecoderWeights(model: model)
    }
}
