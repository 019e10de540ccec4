using FiSAO.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>HF <c>CLIPTextEmbeddings</c>: token embedding plus learned absolute position embedding (positions 0..L-1).</summary>
public sealed class ClipTextEmbeddings : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Embedding token_embedding;
    private readonly Embedding position_embedding;
#pragma warning restore IDE1006

    private readonly int _maxPositions;

    public ClipTextEmbeddings(ClipTextConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(ClipTextEmbeddings))
    {
        _maxPositions = config.MaxPositionEmbeddings;
        token_embedding = nn.Embedding(config.VocabSize, config.HiddenSize, device: device, dtype: dtype);
        position_embedding = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <param name="inputIds">[B, L] int64 on the module's device.</param>
    public override Tensor forward(Tensor inputIds)
    {
        var length = inputIds.shape[^1];
        if (length > _maxPositions)
            throw new ArgumentException($"Sequence length {length} exceeds max_position_embeddings {_maxPositions}.", nameof(inputIds));
        using var scope = torch.NewDisposeScope();
        // HF's position_ids buffer is arange(max_positions)[:L]; slicing the weight is the same lookup.
        var positions = position_embedding.weight!.narrow(0, 0, length);
        return token_embedding.forward(inputIds).add(positions, Scalars.One).MoveToOuterDisposeScope();
    }
}
