namespace FiSAO.Models.Tests.Clip.Support;

/// <summary>
/// A naive HF CLIP forward in double precision with plain arrays and loops, no TorchSharp: the yardstick the TorchSharp
/// modules are checked against. Follows modeling_clip.py step by step, one sequence at a time.
/// </summary>
public sealed class ReferenceClip(ClipSpec spec, IReadOnlyDictionary<string, HfTensor> weights)
{
    /// <summary>HF get_image_features for one image given as [C, H, W] row-major.</summary>
    public double[] ImageFeatures(ReadOnlySpan<float> pixels)
    {
        var states = VisionHiddenStates(pixels);
        var cls = LayerNorm(states[^1][0], "vision_model.post_layernorm", spec.Vision.LayerNormEps);
        return MatVec("visual_projection.weight", cls, bias: null);
    }

    /// <summary>HF vision hidden_states: pre_layrnorm output, then each layer's output ([T][D] each).</summary>
    public List<double[][]> VisionHiddenStates(ReadOnlySpan<float> pixels)
    {
        var v = spec.Vision;
        var conv = weights["vision_model.embeddings.patch_embedding.weight"].Data; // [D, C, P, P]
        var cls = weights["vision_model.embeddings.class_embedding"].Data;
        var pos = weights["vision_model.embeddings.position_embedding.weight"].Data;
        var (d, p, g) = (v.HiddenSize, v.PatchSize, v.Grid);

        var tokens = new double[v.Positions][];
        tokens[0] = new double[d];
        for (var j = 0; j < d; j++) tokens[0][j] = cls[j] + pos[j];
        for (var py = 0; py < g; py++)
        for (var px = 0; px < g; px++)
        {
            var t = 1 + py * g + px; // HF flattens the [D, g, g] conv output row-major
            tokens[t] = new double[d];
            for (var o = 0; o < d; o++)
            {
                double sum = 0;
                for (var c = 0; c < v.Channels; c++)
                for (var ky = 0; ky < p; ky++)
                for (var kx = 0; kx < p; kx++)
                    sum += conv[((o * v.Channels + c) * p + ky) * p + kx]
                           * pixels[(c * v.ImageSize + py * p + ky) * v.ImageSize + px * p + kx];
                tokens[t][o] = sum + pos[t * d + o];
            }
        }

        var h = tokens.Select(x => LayerNorm(x, "vision_model.pre_layrnorm", v.LayerNormEps)).ToArray();
        var states = new List<double[][]> { h };
        for (var layer = 0; layer < v.Layers; layer++)
        {
            h = EncoderLayer(h, $"vision_model.encoder.layers.{layer}.", v.Heads, v.Activation, v.LayerNormEps, allowed: (_, _) => true);
            states.Add(h);
        }
        return states;
    }

    /// <summary>HF get_text_features for one sequence; <paramref name="mask"/> 1 = token, 0 = padding.</summary>
    public double[] TextFeatures(IReadOnlyList<long> ids, IReadOnlyList<int>? mask = null)
    {
        var t = spec.Text;
        var tok = weights["text_model.embeddings.token_embedding.weight"].Data;
        var pos = weights["text_model.embeddings.position_embedding.weight"].Data;
        var d = t.HiddenSize;
        var h = new double[ids.Count][];
        for (var i = 0; i < ids.Count; i++)
        {
            h[i] = new double[d];
            for (var j = 0; j < d; j++) h[i][j] = tok[ids[i] * d + j] + pos[i * d + j];
        }

        // Causal: query i sees keys k <= i, and only keys that are not padding.
        bool Allowed(int query, int key) => key <= query && (mask is null || mask[key] != 0);
        for (var layer = 0; layer < t.Layers; layer++)
            h = EncoderLayer(h, $"text_model.encoder.layers.{layer}.", t.Heads, t.Activation, t.LayerNormEps, Allowed);

        var pooledAt = PoolingIndex(ids, t.EosTokenId);
        var pooled = LayerNorm(h[pooledAt], "text_model.final_layer_norm", t.LayerNormEps);
        return MatVec("text_projection.weight", pooled, bias: null);
    }

    /// <summary>eos_token_id 2 (legacy openai configs): first position of the largest id; else first position of eos (0 if none).</summary>
    public static int PoolingIndex(IReadOnlyList<long> ids, int eosTokenId)
    {
        var best = 0;
        for (var i = 0; i < ids.Count; i++)
        {
            if (eosTokenId == 2) { if (ids[i] > ids[best]) best = i; }
            else if (ids[i] == eosTokenId) return i;
        }
        return eosTokenId == 2 ? best : 0;
    }

    private double[][] EncoderLayer(double[][] x, string prefix, int heads, string activation, double eps, Func<int, int, bool> allowed)
    {
        var n = x.Length;
        var normed = x.Select(r => LayerNorm(r, prefix + "layer_norm1", eps)).ToArray();
        var attn = Attention(normed, prefix + "self_attn.", heads, allowed);
        var h = new double[n][];
        for (var i = 0; i < n; i++) h[i] = Add(x[i], attn[i]);

        var output = new double[n][];
        for (var i = 0; i < n; i++)
        {
            var m = LayerNorm(h[i], prefix + "layer_norm2", eps);
            var f = MatVec(prefix + "mlp.fc1.weight", m, prefix + "mlp.fc1.bias").Select(z => Activate(activation, z)).ToArray();
            output[i] = Add(h[i], MatVec(prefix + "mlp.fc2.weight", f, prefix + "mlp.fc2.bias"));
        }
        return output;
    }

    private double[][] Attention(double[][] x, string prefix, int heads, Func<int, int, bool> allowed)
    {
        var n = x.Length;
        var d = x[0].Length;
        var hd = d / heads;
        var q = x.Select(r => MatVec(prefix + "q_proj.weight", r, prefix + "q_proj.bias")).ToArray();
        var k = x.Select(r => MatVec(prefix + "k_proj.weight", r, prefix + "k_proj.bias")).ToArray();
        var v = x.Select(r => MatVec(prefix + "v_proj.weight", r, prefix + "v_proj.bias")).ToArray();
        var context = new double[n][];
        for (var i = 0; i < n; i++) context[i] = new double[d];

        for (var head = 0; head < heads; head++)
        for (var i = 0; i < n; i++)
        {
            var scores = new double[n];
            var max = double.NegativeInfinity;
            for (var j = 0; j < n; j++)
            {
                if (!allowed(i, j)) { scores[j] = double.NegativeInfinity; continue; }
                double s = 0;
                for (var c = 0; c < hd; c++) s += q[i][head * hd + c] * k[j][head * hd + c];
                scores[j] = s / Math.Sqrt(hd);
                max = Math.Max(max, scores[j]);
            }
            if (double.IsNegativeInfinity(max)) continue; // a padding query that sees nothing; no real token reads it
            double total = 0;
            for (var j = 0; j < n; j++) total += scores[j] = Math.Exp(scores[j] - max);
            for (var j = 0; j < n; j++)
            for (var c = 0; c < hd; c++)
                context[i][head * hd + c] += scores[j] / total * v[j][head * hd + c];
        }
        return context.Select(r => MatVec(prefix + "out_proj.weight", r, prefix + "out_proj.bias")).ToArray();
    }

    /// <summary>y = W x + b with HF's Linear layout W [out, in].</summary>
    private double[] MatVec(string weightName, double[] x, string? bias)
    {
        var w = weights[weightName];
        var (rows, cols) = ((int)w.Shape[0], (int)w.Shape[1]);
        var b = bias is null ? null : weights[bias].Data;
        var y = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            double s = b?[r] ?? 0;
            for (var c = 0; c < cols; c++) s += w.Data[r * cols + c] * x[c];
            y[r] = s;
        }
        return y;
    }

    private double[] LayerNorm(double[] x, string name, double eps)
    {
        var w = weights[name + ".weight"].Data;
        var b = weights[name + ".bias"].Data;
        var mean = x.Average();
        var variance = x.Select(z => (z - mean) * (z - mean)).Average(); // biased, as torch
        var inv = 1 / Math.Sqrt(variance + eps);
        return x.Select((z, i) => (z - mean) * inv * w[i] + b[i]).ToArray();
    }

    private static double[] Add(double[] a, double[] b) => a.Select((z, i) => z + b[i]).ToArray();

    public static double Activate(string activation, double x) => activation switch
    {
        "quick_gelu" => x / (1 + Math.Exp(-1.702 * x)),
        "gelu" => 0.5 * x * (1 + Erf(x / Math.Sqrt(2))),
        _ => throw new NotSupportedException(activation),
    };

    /// <summary>erf to ~1e-15: Maclaurin series below 3, Lentz continued fraction for erfc above (.NET has no Math.Erf).</summary>
    public static double Erf(double x)
    {
        var a = Math.Abs(x);
        double result;
        if (a < 3)
        {
            double term = a, sum = a;
            for (var n = 1; n < 200 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
            {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // erfc(a) = exp(-a^2)/sqrt(pi) / (a + (1/2)/(a + (2/2)/(a + (3/2)/(a + ...)))), evaluated bottom-up.
            var f = a;
            for (var k = 60; k >= 1; k--) f = a + k / 2.0 / f;
            result = 1 - Math.Exp(-a * a) / Math.Sqrt(Math.PI) / f;
        }
        return x < 0 ? -result : result;
    }
}
