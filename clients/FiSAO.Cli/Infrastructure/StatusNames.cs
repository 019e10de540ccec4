using System.Text;
using Grpc.Core;

namespace FiSAO.Cli;

internal static class StatusNames
{
    /// <summary>The name as gRPC documents it: INVALID_ARGUMENT for <see cref="StatusCode.InvalidArgument"/>.</summary>
    public static string Of(StatusCode code)
    {
        var name = code.ToString();
        var upper = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i])) upper.Append('_');
            upper.Append(char.ToUpperInvariant(name[i]));
        }
        return upper.ToString();
    }
}
