// Residual blocks, attention and feed-forward sub-layers: forward/backward pairs over the
// flat parameter (P) and gradient (G) buffers. Shapes: N rows of width d (the packed real
// tokens of the batch's sources or targets, see SequencePacking), F the FFN width, H heads,
// dh = d/H. `maskRows` (nil: the rows are not packed) tells the dropout masks where each row
// sat in the padded layout.
import Tensor

extension TransformerModel {
    var P: UnsafeMutablePointer<Float> { parameters.baseAddress! }
    var G: UnsafeMutablePointer<Float> { gradients.baseAddress! }

    // MARK: residual block

    /// Runs `sublayer(input, out)` inside a residual connection with its layer norm;
    /// returns the block output (see ResidualBlockActivations).
    func blockForward(_ a: ResidualBlockActivations, input: UnsafeMutablePointer<Float>, rows n: Int, norm: LayerNormOffsets,
                      mask: DropoutMask, maskRows: PaddedRows? = nil, sublayer: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> UnsafeMutablePointer<Float> {
        let d = config.modelDimension
        a.input = input
        if config.normalizeBefore {
            Profiler.measure(.layerNorm) {
                LayerNormKernels.forward(out: a.lnOut.pointer, mean: a.mean.pointer, rstd: a.rstd.pointer, x: input,
                                         weight: P + norm.weight, bias: P + norm.bias, rows: n, columns: d)
            }
            sublayer(a.lnOut.pointer, workspace.sublayerOut.pointer)
            Profiler.measure(.residualDropout) {
                Elementwise.residualDropoutForward(a.sum.pointer, input, workspace.sublayerOut.pointer, n * d, mask, rows: maskRows)
            }
            return a.sum.pointer
        } else {
            sublayer(input, workspace.sublayerOut.pointer)
            Profiler.measure(.residualDropout) {
                Elementwise.residualDropoutForward(a.sum.pointer, input, workspace.sublayerOut.pointer, n * d, mask, rows: maskRows)
            }
            Profiler.measure(.layerNorm) {
                LayerNormKernels.forward(out: a.lnOut.pointer, mean: a.mean.pointer, rstd: a.rstd.pointer, x: a.sum.pointer,
                                         weight: P + norm.weight, bias: P + norm.bias, rows: n, columns: d)
            }
            return a.lnOut.pointer
        }
    }

    /// Given `dOut` (∂L/∂block output, may be overwritten) and a free buffer `other`, returns
    /// the buffer (one of the two) holding ∂L/∂block input. `sublayerBackward(dF, dInput,
    /// accumulate)` must write or add ∂L/∂(sublayer input) into dInput.
    func blockBackward(_ a: ResidualBlockActivations, dOut: UnsafeMutablePointer<Float>, other: UnsafeMutablePointer<Float>, rows n: Int,
                       norm: LayerNormOffsets, mask: DropoutMask, maskRows: PaddedRows? = nil,
                       sublayerBackward: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Bool) -> Void) -> UnsafeMutablePointer<Float> {
        let d = config.modelDimension, ws = workspace
        let dF = ws.gradSublayer.pointer
        if config.normalizeBefore {
            Profiler.measure(.residualDropoutBackward) {
                Elementwise.dropoutBackward(dF, dOut, n * d, mask, rows: maskRows)
            }
            sublayerBackward(dF, other, false)  // other = ∂L/∂lnOut
            Profiler.measure(.layerNormBackward) {
                LayerNormKernels.backward(dx: dOut, dweight: G + norm.weight, dbias: G + norm.bias, dout: other, x: a.input!,
                                          weight: P + norm.weight, mean: a.mean.pointer, rstd: a.rstd.pointer, rows: n, columns: d,
                                          accumulate: true, scratch: ws.normScratch)
            }
            return dOut
        } else {
            Profiler.measure(.layerNormBackward) {
                LayerNormKernels.backward(dx: other, dweight: G + norm.weight, dbias: G + norm.bias, dout: dOut, x: a.sum.pointer,
                                          weight: P + norm.weight, mean: a.mean.pointer, rstd: a.rstd.pointer, rows: n, columns: d,
                                          accumulate: false, scratch: ws.normScratch)
            }
            Profiler.measure(.residualDropoutBackward) {
                Elementwise.dropoutBackward(dF, other, n * d, mask, rows: maskRows)
            }
            sublayerBackward(dF, other, true)
            return other
        }
    }

    // MARK: self-attention  (q|k|v from the same input)

    func selfAttentionForward(_ a: AttentionActivations, input: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                              _ o: AttentionOffsets, _ packing: SequencePacking, causal: Bool, mask: DropoutMask) {
        let d = config.modelDimension, n = packing.tokens
        a.input = input
        let qkv = a.projection.pointer
        Profiler.measure(.attentionProjection) {
            Linear.forward(qkv, input, weight: P + o.qkvWeight, bias: P + o.qkvBias, rows: n, inputs: d, outputs: 3 * d)
        }
        let g = AttentionGeometry(heads: config.heads, headDim: config.headDimension, queries: packing, keys: packing, causal: causal)
        Attention.forward(g, q: HeadView(base: qkv, rowStride: 3 * d),
                          k: HeadView(base: qkv + d, rowStride: 3 * d),
                          v: HeadView(base: qkv + 2 * d, rowStride: 3 * d),
                          ctx: HeadView(base: workspace.context.pointer, rowStride: d),
                          probs: a.probs.pointer, probsDropped: mask.isActive ? a.probsDropped.pointer : a.probs.pointer, dropout: mask)
        Profiler.measure(.attentionOutput) {
            Linear.forward(out, workspace.context.pointer, weight: P + o.outWeight, bias: P + o.outBias, rows: n, inputs: d, outputs: d)
        }
    }

    func selfAttentionBackward(_ a: AttentionActivations, dOut: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, accumulate: Bool,
                               _ o: AttentionOffsets, _ packing: SequencePacking, causal: Bool, mask: DropoutMask) {
        let d = config.modelDimension, n = packing.tokens, ws = workspace
        let ones = ws.ones.pointer, dctx = ws.gradContext.pointer, dqkv = ws.gradProjection, qkv = a.projection.pointer
        let g = AttentionGeometry(heads: config.heads, headDim: config.headDimension, queries: packing, keys: packing, causal: causal)
        Profiler.measure(.attentionContextBackward) {
            Attention.context(g, probsDropped: mask.isActive ? a.probsDropped.pointer : a.probs.pointer,
                              v: HeadView(base: qkv + 2 * d, rowStride: 3 * d), ctx: HeadView(base: ws.context.pointer, rowStride: d))
        }
        Profiler.measure(.attentionOutputBackward) {
            Linear.backward(dx: dctx, accumulate: false, dWeight: G + o.outWeight, dBias: G + o.outBias, dy: dOut, x: ws.context.pointer,
                            weight: P + o.outWeight, rows: n, inputs: d, outputs: d, ones: ones)
        }
        func view(_ p: UnsafeMutablePointer<Float>) -> HeadView { HeadView(base: p, rowStride: 3 * d) }
        Attention.backward(g, dq: view(dqkv), dk: view(dqkv + d), dv: view(dqkv + 2 * d),
                           dctx: HeadView(base: dctx, rowStride: d),
                           q: view(qkv), k: view(qkv + d), v: view(qkv + 2 * d),
                           probs: a.probs.pointer, probsDropped: mask.isActive ? a.probsDropped.pointer : a.probs.pointer,
                           dProbs: ws.gradProbs.pointer, dropout: mask)
        Profiler.measure(.attentionProjectionBackward) {
            Linear.backward(dx: dInput, accumulate: accumulate, dWeight: G + o.qkvWeight, dBias: G + o.qkvBias, dy: dqkv, x: a.input!,
                            weight: P + o.qkvWeight, rows: n, inputs: d, outputs: 3 * d, ones: ones)
        }
    }

    // MARK: cross-attention  (q from the decoder, k|v from the encoder output `memory`)

    func crossAttentionForward(_ a: AttentionActivations, input: UnsafeMutablePointer<Float>, memory: UnsafeMutablePointer<Float>,
                               out: UnsafeMutablePointer<Float>, _ o: AttentionOffsets, target: SequencePacking, source: SequencePacking,
                               mask: DropoutMask) {
        let d = config.modelDimension, nt = target.tokens, ns = source.tokens
        a.input = input
        a.memory = memory
        Profiler.measure(.attentionProjection) {
            Linear.forward(a.projection.pointer, input, weight: P + o.qkvWeight, bias: P + o.qkvBias, rows: nt, inputs: d, outputs: d)
        }
        Profiler.measure(.attentionProjection) {
            Linear.forward(a.keyValue.pointer, memory, weight: P + o.qkvWeight + d * d, bias: P + o.qkvBias + d, rows: ns, inputs: d, outputs: 2 * d)
        }
        let g = AttentionGeometry(heads: config.heads, headDim: config.headDimension, queries: target, keys: source, causal: false)
        let kv = a.keyValue.pointer
        Attention.forward(g, q: HeadView(base: a.projection.pointer, rowStride: d),
                          k: HeadView(base: kv, rowStride: 2 * d),
                          v: HeadView(base: kv + d, rowStride: 2 * d),
                          ctx: HeadView(base: workspace.context.pointer, rowStride: d),
                          probs: a.probs.pointer, probsDropped: mask.isActive ? a.probsDropped.pointer : a.probs.pointer, dropout: mask)
        Profiler.measure(.attentionOutput) {
            Linear.forward(out, workspace.context.pointer, weight: P + o.outWeight, bias: P + o.outBias, rows: nt, inputs: d, outputs: d)
        }
    }

    /// Also adds ∂L/∂memory into `dMemory`.
    func crossAttentionBackward(_ a: AttentionActivations, dOut: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, accumulate: Bool,
                                dMemory: UnsafeMutablePointer<Float>, _ o: AttentionOffsets, target: SequencePacking, source: SequencePacking,
                                mask: DropoutMask) {
        let d = config.modelDimension, ws = workspace, nt = target.tokens, ns = source.tokens
        let ones = ws.ones.pointer, dctx = ws.gradContext.pointer, dq = ws.gradProjection, dkv = ws.gradKeyValue(afterQueries: nt, d: d)
        let kv = a.keyValue.pointer
        let g = AttentionGeometry(heads: config.heads, headDim: config.headDimension, queries: target, keys: source, causal: false)
        Profiler.measure(.attentionContextBackward) {
            Attention.context(g, probsDropped: mask.isActive ? a.probsDropped.pointer : a.probs.pointer,
                              v: HeadView(base: kv + d, rowStride: 2 * d), ctx: HeadView(base: ws.context.pointer, rowStride: d))
        }
        Profiler.measure(.attentionOutputBackward) {
            Linear.backward(dx: dctx, accumulate: false, dWeight: G + o.outWeight, dBias: G + o.outBias, dy: dOut, x: ws.context.pointer,
                            weight: P + o.outWeight, rows: nt, inputs: d, outputs: d, ones: ones)
        }
        Attention.backward(g, dq: HeadView(base: dq, rowStride: d),
                           dk: HeadView(base: dkv, rowStride: 2 * d),
                           dv: HeadView(base: dkv + d, rowStride: 2 * d),
                           dctx: HeadView(base: dctx, rowStride: d),
                           q: HeadView(base: a.projection.pointer, rowStride: d),
                           k: HeadView(base: kv, rowStride: 2 * d),
                           v: HeadView(base: kv + d, rowStride: 2 * d),
                           probs: a.probs.pointer, probsDropped: mask.isActive ? a.probsDropped.pointer : a.probs.pointer,
                           dProbs: ws.gradProbs.pointer, dropout: mask)
        Profiler.measure(.attentionProjectionBackward) {
            Linear.backward(dx: dInput, accumulate: accumulate, dWeight: G + o.qkvWeight, dBias: G + o.qkvBias, dy: dq, x: a.input!,
                            weight: P + o.qkvWeight, rows: nt, inputs: d, outputs: d, ones: ones)
        }
        Profiler.measure(.attentionProjectionBackward) {
            Linear.backward(dx: dMemory, accumulate: true, dWeight: G + o.qkvWeight + d * d, dBias: G + o.qkvBias + d, dy: dkv, x: a.memory!,
                            weight: P + o.qkvWeight + d * d, rows: ns, inputs: d, outputs: 2 * d, ones: ones)
        }
    }

    // MARK: feed-forward  fc2(dropout(relu(fc1(x))))

    func feedForwardForward(_ a: FeedForwardActivations, input: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                            _ o: FeedForwardOffsets, rows n: Int, mask: DropoutMask, maskRows: PaddedRows? = nil) {
        let d = config.modelDimension, f = config.ffnDimension
        a.input = input
        let h = a.hidden.pointer
        // The dropped copy is not kept per layer: the backward pass rebuilds it from h and
        // the (counter-based) mask, which saves [N, F] floats per layer.
        let hd = mask.isActive ? workspace.hiddenDropped.pointer : h
        Profiler.measure(.ffnInput) {
            Linear.forward(h, input, weight: P + o.fc1Weight, bias: P + o.fc1Bias, rows: n, inputs: d, outputs: f)
        }
        Profiler.measure(.ffnActivation) {
            Elementwise.reluDropoutForward(h, hd, n * f, mask, rows: maskRows)
        }
        Profiler.measure(.ffnOutput) {
            Linear.forward(out, hd, weight: P + o.fc2Weight, bias: P + o.fc2Bias, rows: n, inputs: f, outputs: d)
        }
    }

    func feedForwardBackward(_ a: FeedForwardActivations, dOut: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, accumulate: Bool,
                             _ o: FeedForwardOffsets, rows n: Int, mask: DropoutMask, maskRows: PaddedRows? = nil) {
        let d = config.modelDimension, f = config.ffnDimension, ws = workspace
        let h = a.hidden.pointer
        let hd = mask.isActive ? ws.hiddenDropped.pointer : h
        let dh = ws.gradHidden
        if mask.isActive {
            // h is already past the ReLU, so dropping it again gives the forward's hd exactly.
            Profiler.measure(.ffnActivationBackward) { Elementwise.dropoutForward(hd, h, n * f, mask, rows: maskRows) }
        }
        Profiler.measure(.ffnOutputBackward) {
            Linear.backward(dx: dh, accumulate: false, dWeight: G + o.fc2Weight, dBias: G + o.fc2Bias, dy: dOut, x: hd,
                            weight: P + o.fc2Weight, rows: n, inputs: f, outputs: d, ones: ws.ones.pointer)
        }
        Profiler.measure(.ffnActivationBackward) {
            Elementwise.reluDropoutBackward(dh, dh, h, n * f, mask, rows: maskRows)
        }
        Profiler.measure(.ffnInputBackward) {
            Linear.backward(dx: dInput, accumulate: accumulate, dWeight: G + o.fc1Weight, dBias: G + o.fc1Bias, dy: dh, x: a.input!,
                            weight: P + o.fc1Weight, rows: n, inputs: d, outputs: f, ones: ws.ones.pointer)
        }
    }
}
