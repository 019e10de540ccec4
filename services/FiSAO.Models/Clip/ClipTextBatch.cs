using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>How <see cref="ClipTokenizer.EncodeBatch"/> pads rows.</summary>
public enum ClipPadding
{
    /// <summary>To the longest row of the batch (HF <c>padding=True</c>).</summary>
    Longest,

    /// <summary>To the maximum length (HF <c>padding="max_length"</c>), as OpenAI's <c>clip.tokenize</c> does.</summary>
    MaxLength,
}

/// <summary>
/// A padded batch of CLIP token ids, row-major <c>[BatchSize, SequenceLength]</c>, with its attention mask
/// (1 on real tokens including start and end, 0 on padding).
/// </summary>
public sealed class ClipTextBatch
{
    internal ClipTextBatch(long[] inputIds, long[] attentionMask, int[] lengths, int sequenceLength)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        Lengths = lengths;
        SequenceLength = sequenceLength;
    }

    public int BatchSize => Lengths.Length;

    public int SequenceLength { get; }

    /// <summary>Row-major ids, <c>BatchSize * SequenceLength</c> values.</summary>
    public long[] InputIds { get; }

    /// <summary>Row-major mask matching <see cref="InputIds"/>.</summary>
    public long[] AttentionMask { get; }

    /// <summary>Real tokens per row; the end-of-text token of row i sits at <c>Lengths[i] - 1</c>.</summary>
    public int[] Lengths { get; }

    /// <summary>The ids of one row without its padding.</summary>
    public ReadOnlySpan<long> Row(int index) => InputIds.AsSpan(index * SequenceLength, Lengths[index]);

    /// <summary><c>input_ids</c> as an int64 tensor <c>[B, L]</c>; the caller owns (disposes) it.</summary>
    public Tensor InputIdsTensor(Device? device = null) => ToTensor(InputIds, device);

    /// <summary><c>attention_mask</c> as an int64 tensor <c>[B, L]</c>; the caller owns (disposes) it.</summary>
    public Tensor AttentionMaskTensor(Device? device = null) => ToTensor(AttentionMask, device);

    private Tensor ToTensor(long[] data, Device? device) =>
        torch.tensor(data, new long[] { BatchSize, SequenceLength }, ScalarType.Int64, device);
}
