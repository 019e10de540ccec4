namespace FiSAO.Client;

/// <summary>One rollout sample: the encoded image (PNG, JPEG, WebP, GIF, BMP) and the policy's tokens. The bytes are
/// not copied: leave the buffer unchanged until the batch returns.</summary>
public sealed record ScoreItem(ReadOnlyMemory<byte> Image, IReadOnlyList<string> Tokens);
