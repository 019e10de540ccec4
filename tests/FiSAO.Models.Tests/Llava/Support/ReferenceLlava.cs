using FiSAO.Models.Tests.Clip.Support;

namespace FiSAO.Models.Tests.Llava.Support;

/// <summary>
/// A naive HF LLaVA forward in double precision with plain arrays and loops, no TorchSharp: the yardstick for the
/// TorchSharp modules. Follows modeling_llava.py / modeling_llama.py step by step for one unpadded sequence:
/// image features = projector(CLIP hidden_states[-2] without CLS) replace the image tokens in order; then LLaMA with
/// RMSNorm, rotary embeddings (rotate_half convention), grouped-query causal attention, SwiGLU MLP, final norm, lm_head.
/// </summary>
public sealed class ReferenceLlava(TinyLlavaCheckpoint checkpoint)
{
    private readonly LlavaSpec _spec = checkpoint.Spec;
    private readonly IReadOnlyDictionary<string, HfTensor> _w = checkpoint.Weights;
    private readonly ReferenceClip _clip = new(checkpoint.ClipSpec, checkpoint.Clip.Weights);

    /// <summary>Projected features [S][text hidden] of one image given as [C, H, W].</summary>
    public double[][] ImageFeatures(ReadOnlySpan<float> pixels)
    {
        var states = _clip.VisionHiddenStates(pixels);
        var selected = states[states.Count + _spec.FeatureLayer];
        var patches = _spec.DropCls ? selected.Skip(1) : selected;
        return patches.Select(p =>
        {
            var h = MatVec("multi_modal_projector.linear_1.weight", p, "multi_modal_projector.linear_1.bias");
            h = h.Select(x => ReferenceClip.Activate("gelu", x)).ToArray();
            return MatVec("multi_modal_projector.linear_2.weight", h, "multi_modal_projector.linear_2.bias");
        }).ToArray();
    }

    /// <summary>Logits [T][vocab] of one sequence; <paramref name="images"/> fill its image tokens in order.</summary>
    public double[][] Logits(IReadOnlyList<int> ids, IReadOnlyList<float[]>? images = null)
    {
        var t = _spec.Text;
        var embed = _w["language_model.model.embed_tokens.weight"].Data;
        var features = (images ?? []).SelectMany(img => ImageFeatures(img)).ToList();
        var used = 0;
        var h = new double[ids.Count][];
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] == _spec.ImageTokenId && features.Count > 0)
            {
                h[i] = features[used++];
                continue;
            }
            h[i] = new double[t.HiddenSize];
            for (var j = 0; j < t.HiddenSize; j++) h[i][j] = embed[ids[i] * t.HiddenSize + j];
        }
        if (used != features.Count) throw new ArgumentException($"{features.Count} image features for {used} image tokens.");

        for (var layer = 0; layer < t.Layers; layer++)
        {
            var p = $"language_model.model.layers.{layer}.";
            var normed = h.Select(x => RmsNorm(x, p + "input_layernorm.weight")).ToArray();
            var attn = Attention(normed, p + "self_attn.");
            h = h.Select((x, i) => Add(x, attn[i])).ToArray();
            normed = h.Select(x => RmsNorm(x, p + "post_attention_layernorm.weight")).ToArray();
            h = h.Select((x, i) => Add(x, Mlp(normed[i], p + "mlp."))).ToArray();
        }
        return h.Select(x => MatVec("language_model.lm_head.weight", RmsNorm(x, "language_model.model.norm.weight"), null)).ToArray();
    }

    /// <summary>log_softmax of one logits row.</summary>
    public static double[] LogSoftmax(double[] logits)
    {
        var max = logits.Max();
        var logSum = Math.Log(logits.Sum(x => Math.Exp(x - max))) + max;
        return logits.Select(x => x - logSum).ToArray();
    }

    private double[][] Attention(double[][] x, string p)
    {
        var t = _spec.Text;
        var (n, d, groups) = (x.Length, t.HeadDim, t.Heads / t.KvHeads);
        var q = x.Select(v => MatVec(p + "q_proj.weight", v, null)).ToArray();
        var k = x.Select(v => MatVec(p + "k_proj.weight", v, null)).ToArray();
        var v = x.Select(v => MatVec(p + "v_proj.weight", v, null)).ToArray();
        for (var i = 0; i < n; i++)
        {
            for (var head = 0; head < t.Heads; head++) Rope(q[i], head * d, i);
            for (var head = 0; head < t.KvHeads; head++) Rope(k[i], head * d, i);
        }

        var context = new double[n][];
        for (var i = 0; i < n; i++)
        {
            context[i] = new double[t.Heads * d];
            for (var head = 0; head < t.Heads; head++)
            {
                var kvHead = head / groups; // repeat_kv: query head h reads key/value head h / (heads / kv_heads)
                var scores = new double[i + 1];
                for (var j = 0; j <= i; j++) // causal
                {
                    double s = 0;
                    for (var c = 0; c < d; c++) s += q[i][head * d + c] * k[j][kvHead * d + c];
                    scores[j] = s / Math.Sqrt(d);
                }
                var max = scores.Max();
                var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
                var sum = weights.Sum();
                for (var j = 0; j <= i; j++)
                    for (var c = 0; c < d; c++)
                        context[i][head * d + c] += weights[j] / sum * v[j][kvHead * d + c];
            }
        }
        return context.Select(c => MatVec(p + "o_proj.weight", c, null)).ToArray();
    }

    /// <summary>HF default rope on one head [offset, offset + d): pairs (i, i + d/2) rotated by position * theta^(-2i/d).</summary>
    private void Rope(double[] x, int offset, int position)
    {
        var d = _spec.Text.HeadDim;
        for (var i = 0; i < d / 2; i++)
        {
            var angle = position * Math.Pow(_spec.Text.RopeTheta, -2.0 * i / d);
            var (a, b) = (x[offset + i], x[offset + i + d / 2]);
            x[offset + i] = a * Math.Cos(angle) - b * Math.Sin(angle);
            x[offset + i + d / 2] = b * Math.Cos(angle) + a * Math.Sin(angle);
        }
    }

    private double[] Mlp(double[] x, string p)
    {
        var gate = MatVec(p + "gate_proj.weight", x, null);
        var up = MatVec(p + "up_proj.weight", x, null);
        var h = gate.Select((g, i) => g / (1 + Math.Exp(-g)) * up[i]).ToArray(); // silu(gate) * up
        return MatVec(p + "down_proj.weight", h, null);
    }

    private double[] RmsNorm(double[] x, string weight)
    {
        var w = _w[weight].Data;
        var rms = Math.Sqrt(x.Sum(v => v * v) / x.Length + _spec.Text.RmsNormEps);
        return x.Select((v, i) => v / rms * w[i]).ToArray();
    }

    private double[] MatVec(string weight, double[] x, string? bias)
    {
        var w = _w[weight];
        var (rows, cols) = (w.Shape[0], w.Shape[1]);
        var b = bias is null ? null : _w[bias].Data;
        var y = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            double s = b?[r] ?? 0;
            for (var c = 0; c < cols; c++) s += w.Data[r * cols + c] * x[c];
            y[r] = s;
        }
        return y;
    }

    private static double[] Add(double[] a, double[] b) => a.Select((z, i) => z + b[i]).ToArray();
}
