using System.Text.Json;

namespace Obscura.Server.Tests;

/// <summary>Follows a job over HTTP until it reaches a final state (no deadline of its own: the test's cancellation ends it).</summary>
internal static class JobWaits
{
    public static async Task<JsonElement> UntilFinishedAsync(HttpClient client, string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var response = await client.GetAsync("/v1/jobs/" + id, cancellationToken);
            response.EnsureSuccessStatusCode();
            var job = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
            if (job.GetProperty("state").GetString() is "succeeded" or "failed" or "cancelled")
            {
                return job;
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}
