using System.Net;

namespace FiSAO.Client;

/// <summary>
/// Where the replicas are, parsed from <see cref="FiSAOClientOptions.Addresses"/>: a static list of
/// <c>http://host:port</c> addresses, one <c>https://</c> address, or one <c>dns:///host:port</c> name.
/// </summary>
internal sealed record VerifierEndpoints(Uri ChannelAddress, bool UseTls, IReadOnlyList<DnsEndPoint> StaticAddresses)
{
    /// <summary>The channel address under which the static resolver serves the list.</summary>
    public const string StaticScheme = "static";

    public bool IsStatic => StaticAddresses.Count > 0;

    /// <summary>The endpoints, or the problems (one sentence each) that prevent parsing them.</summary>
    public static (VerifierEndpoints? Endpoints, IReadOnlyList<string> Problems) Parse(IReadOnlyList<string> addresses, bool useTls)
    {
        var problems = new List<string>();
        if (addresses.Count == 0)
        {
            problems.Add("Addresses is empty: give at least one verifier address, e.g. http://127.0.0.1:5000 or dns:///verifier:5000.");
            return (null, problems);
        }

        var uris = new List<Uri>();
        foreach (var address in addresses)
        {
            if (!Uri.TryCreate(address?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "dns"))
                problems.Add($"'{address}' is not a verifier address: use http://host:port, https://host:port or dns:///host:port.");
            else if (uri.Scheme == "dns" && (!uri.AbsolutePath.TrimStart('/').Contains(':') || uri.AbsolutePath.Trim('/').Length == 0))
                problems.Add($"'{address}' needs a host and a port: dns:///host:port.");
            else if (uri.Scheme != "dns" && uri.PathAndQuery is not ("" or "/"))
                problems.Add($"'{address}' has a path; the verifier serves gRPC at the root: give only scheme, host and port.");
            else uris.Add(uri);
        }
        if (problems.Count > 0) return (null, problems);

        if (uris.Any(u => u.Scheme == "dns"))
        {
            if (uris.Count > 1) problems.Add("A dns:/// address stands alone: its records are the replicas.");
            return problems.Count > 0 ? (null, problems) : (new VerifierEndpoints(uris[0], useTls, []), problems);
        }
        if (uris.Any(u => u.Scheme == "https"))
        {
            // Balancing over a static list shares one TLS authority, which a certificate per replica cannot match.
            if (uris.Count > 1) problems.Add("Several https:// addresses cannot share one channel; use dns:///name:port with UseTls, or http:// addresses.");
            return problems.Count > 0 ? (null, problems) : (new VerifierEndpoints(uris[0], true, []), problems);
        }

        var endpoints = uris.Select(u => new DnsEndPoint(u.IdnHost, u.Port)).Distinct().ToList();
        // The authority names the first replica; the verifier does not filter on it.
        var channel = new Uri($"{StaticScheme}:///{endpoints[0].Host}:{endpoints[0].Port}");
        return (new VerifierEndpoints(channel, false, endpoints), problems);
    }
}
