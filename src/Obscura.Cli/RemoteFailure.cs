using System.Net;

namespace Obscura.Cli;

/// <summary>A server's non-success answer to one request of a multi-request remote operation.</summary>
internal sealed class RemoteFailure(HttpStatusCode status, string body, bool json) : Exception($"The server answered {(int)status}.")
{
    public HttpStatusCode Status => status;

    public string Body => body;

    public bool IsJson => json;

    public static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var json = response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.Ordinal) == true;
            throw new RemoteFailure(response.StatusCode, await response.Content.ReadAsStringAsync(ct), json);
        }
    }
}
