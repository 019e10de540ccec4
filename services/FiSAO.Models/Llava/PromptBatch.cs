using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Llava;

/// <summary>
/// Prompts of different lengths as one left-padded batch (HF's padding_side="left" for generation): pad ids on the
/// left, attention mask 0 there and 1 on the prompt, so every row's last prompt token sits in the last column.
/// </summary>
public sealed class PromptBatch
{
    private PromptBatch(int[][] prompts, int padId, int length)
    {
        Prompts = prompts;
        PadId = padId;
        Length = length;
    }

    /// <summary>The unpadded prompts (token ids, image placeholders expanded).</summary>
    public IReadOnlyList<IReadOnlyList<int>> Prompts { get; }

    public int PadId { get; }

    /// <summary>P: the padded prompt length (longest prompt).</summary>
    public int Length { get; }

    public int Count => Prompts.Count;

    public static PromptBatch LeftPadded(IEnumerable<IReadOnlyList<int>> prompts, int padId)
    {
        var rows = prompts.Select(p => p.ToArray()).ToArray();
        if (rows.Length == 0) throw new ArgumentException("A prompt batch needs at least one prompt.", nameof(prompts));
        if (rows.Any(r => r.Length == 0)) throw new ArgumentException("Prompts must not be empty.", nameof(prompts));
        return new PromptBatch(rows, padId, rows.Max(r => r.Length));
    }

    /// <summary>Left padding of row <paramref name="row"/>.</summary>
    public int PaddingOf(int row) => Length - Prompts[row].Count;

    /// <summary>[B, P] int64 ids (pad on the left).</summary>
    public Tensor InputIds(Device? device = null)
    {
        var data = new long[Count * (long)Length];
        for (var r = 0; r < Count; r++)
        {
            var pad = PaddingOf(r);
            for (var c = 0; c < Length; c++) data[r * (long)Length + c] = c < pad ? PadId : Prompts[r][c - pad];
        }
        return torch.tensor(data, [Count, Length], device: device);
    }

    /// <summary>[B, P] int64 attention mask: 0 on left padding, 1 on the prompt.</summary>
    public Tensor AttentionMask(Device? device = null)
    {
        var data = new long[Count * (long)Length];
        for (var r = 0; r < Count; r++)
            for (var c = PaddingOf(r); c < Length; c++) data[r * (long)Length + c] = 1;
        return torch.tensor(data, [Count, Length], device: device);
    }
}
