using System.Net.Http.Json;
using System.Text;
using Obscura.Governance.Serialization;

namespace Obscura.Server.Tests;

internal static class Json
{
    public static HttpContent Of<T>(T value) => JsonContent.Create(value, options: GovernanceJson.Options);

    public static HttpContent Raw(string json) => new StringContent(json, Encoding.UTF8, "application/json");
}
