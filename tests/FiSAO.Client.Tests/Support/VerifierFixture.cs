using FiSAO.Client.Testing;

namespace FiSAO.Client.Tests.Support;

/// <summary>One verifier process on the shared tiny model for a test class, with default settings.</summary>
public sealed class VerifierFixture : IAsyncLifetime
{
    public VerifierProcess Verifier { get; private set; } = null!;

    public async Task InitializeAsync() => Verifier = await TinyVerifierModel.StartVerifierAsync();

    public async Task DisposeAsync() => await Verifier.DisposeAsync();
}
