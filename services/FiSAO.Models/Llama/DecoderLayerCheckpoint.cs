using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Llama;

/// <summary>
/// Activation checkpointing of one decoder layer (torch.utils.checkpoint's reentrant form; TorchSharp has no
/// checkpoint of its own): the forward runs without autograd and keeps only the layer's input; the backward runs the
/// layer again with autograd from that input and back-propagates the incoming gradient through it, which fills the
/// gradients of the layer's trainable parameters (LoRA) and yields the input's gradient. Peak memory then holds one
/// layer's activations instead of every layer's, for one extra forward per layer. The recompute draws the same dropout
/// masks as the forward: the CPU generator's state is saved before the forward and restored around the recompute
/// (TorchSharp 0.107 cannot read a CUDA generator's state, so on CUDA the trainer requires LoRA dropout 0 with it).
/// </summary>
internal sealed class DecoderLayerCheckpoint : autograd.SingleTensorFunction<DecoderLayerCheckpoint>
{
    public override string Name => nameof(DecoderLayerCheckpoint);

    /// <summary>
    /// layer(hidden), checkpointed. An input without gradient (the frozen embeddings) gets a leaf copy that requires one,
    /// so the recompute still reaches the layer's parameters. The rotary tables and the mask are kept (outside the
    /// caller's dispose scope) until the backward has used them.
    /// </summary>
    public static Tensor Run(LlamaDecoderLayer layer, Tensor hidden, Tensor cos, Tensor sin, Tensor additiveMask)
    {
        var input = hidden.requires_grad ? hidden : hidden.detach().requires_grad_(true);
        return apply(input, new Inputs(layer, Keep(cos), Keep(sin), Keep(additiveMask)));
    }

    private static Tensor Keep(Tensor t) => t.detach().DetachFromDisposeScope();

    private sealed record Inputs(LlamaDecoderLayer Layer, Tensor Cos, Tensor Sin, Tensor Mask) : IDisposable
    {
        public Tensor Forward(Tensor x) => Layer.Forward(x, Cos, Sin, Mask, null);

        public void Dispose()
        {
            Cos.Dispose();
            Sin.Dispose();
            Mask.Dispose();
        }
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var layer = (Inputs)vars[1];
        ctx.save_for_backward([input]);
        ctx.save_data("layer", layer);
        using (var rng = torch.random.get_rng_state()) ctx.save_data("rng", rng.bytes.ToArray());
        return layer.Forward(input);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var input = ctx.get_saved_variables()[0];
        using var layer = (Inputs)ctx.get_data("layer");
        var forwardRng = (byte[])ctx.get_data("rng");
        using var now = torch.random.get_rng_state();
        using var then = tensor(forwardRng, ScalarType.Byte);
        torch.random.set_rng_state(then);
        try
        {
            using var grad = torch.enable_grad();
            var x = input.detach().requires_grad_(true);
            using (var scope = NewDisposeScope())
            {
                var y = layer.Forward(x);
                autograd.backward([y], [gradOutput]);
            }
            return [x.grad!, null!];   // one gradient per argument of apply: the input, and none for the layer
        }
        finally
        {
            torch.random.set_rng_state(now);
        }
    }
}
