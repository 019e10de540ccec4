namespace FiSAO.Client.Tests.Channels;

public class VerifierEndpointsTests
{
    [Fact]
    public void Http_addresses_become_one_static_list_balanced_without_tls()
    {
        var (endpoints, problems) = VerifierEndpoints.Parse(["http://10.0.0.1:5000", "http://verifier-b:5001/", "http://10.0.0.1:5000"], useTls: false);
        Assert.Empty(problems);
        Assert.True(endpoints!.IsStatic);
        Assert.False(endpoints.UseTls);
        Assert.Equal(["10.0.0.1:5000", "verifier-b:5001"], endpoints.StaticAddresses.Select(e => $"{e.Host}:{e.Port}"));
        Assert.Equal("static", endpoints.ChannelAddress.Scheme);
    }

    [Fact]
    public void A_dns_name_stands_alone_and_takes_tls_from_the_options()
    {
        var (endpoints, problems) = VerifierEndpoints.Parse(["dns:///verifier.svc:5000"], useTls: true);
        Assert.Empty(problems);
        Assert.False(endpoints!.IsStatic);
        Assert.True(endpoints.UseTls);
        Assert.Equal("dns:///verifier.svc:5000", endpoints.ChannelAddress.ToString());
    }

    [Theory]
    [InlineData("Addresses is empty")]
    [InlineData("is not a verifier address", "ftp://x:1")]
    [InlineData("is not a verifier address", "localhost:5000")]
    [InlineData("needs a host and a port", "dns:///verifier")]
    [InlineData("has a path", "http://x:5000/v1")]
    [InlineData("stands alone", "dns:///a:5000", "http://b:5000")]
    [InlineData("Several https://", "https://a:5000", "https://b:5000")]
    public void Bad_addresses_are_named_in_the_problem(string expected, params string[] addresses)
    {
        var (endpoints, problems) = VerifierEndpoints.Parse(addresses, useTls: false);
        Assert.Null(endpoints);
        Assert.Contains(problems, p => p.Contains(expected));
    }

    [Fact]
    public void The_documented_defaults_are_valid_once_an_address_is_given()
    {
        Assert.Empty(FiSAOClientOptionsValidator.Problems(new FiSAOClientOptions { Addresses = ["http://127.0.0.1:5000"] }));
    }
}
