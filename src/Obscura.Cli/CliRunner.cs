using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Obscura.Governance;
using Obscura.Governance.Accountability;
using Obscura.Governance.Serialization;
using Obscura.Storage;

namespace Obscura.Cli;

/// <summary>Runs an <see cref="Operation"/> locally or against a server and prints its result.</summary>
internal sealed class CliRunner(TextWriter stdout, TextWriter stderr, HttpMessageHandler? httpHandler = null)
{
    public TextWriter Out => stdout;

    public TextWriter Error => stderr;

    public async Task<int> RunAsync(Operation operation, string dataDirectory, string? database, Uri? server, string? apiKey, CancellationToken ct, double? verificationThreshold = null)
    {
        if (server is null)
        {
            return await RunLocalAsync(operation, dataDirectory, database, verificationThreshold, ct);
        }

        if (verificationThreshold is not null)
        {
            // Through a server the server decides, at its own Obscura:VerificationThreshold; a client's value would be ignored.
            await stderr.WriteLineAsync("--verification-threshold applies to local verification only: through --server, the server decides at its Obscura:VerificationThreshold.");
            return ExitCodes.Usage;
        }

        if (operation.Remote is null && operation.RemoteRun is null)
        {
            await stderr.WriteLineAsync("This command works on a data folder only (--data), not through --server.");
            return ExitCodes.Usage;
        }

        return operation.RemoteRun is { } run
            ? await RunRemoteAsync(run, operation.RemoteErrorCodes, server, apiKey, ct)
            : await RunRemoteAsync(operation.Remote!(), operation.RemoteErrorCodes, server, apiKey, ct);
    }

    private async Task<int> RunLocalAsync(Operation operation, string dataDirectory, string? database, double? verificationThreshold, CancellationToken ct)
    {
        Reply reply;
        try
        {
            using var services = new LocalServices(dataDirectory, database, verificationThreshold);
            reply = await operation.Local(services, ct);
        }
        catch (Exception ex) when (ex is InvalidDataException or DatabaseMovedException or DatabaseMoveUnfinishedException or DocumentNotCommittedException)
        {
            await stderr.WriteLineAsync(ex.Message);
            return ex is DocumentNotCommittedException ? ExitCodes.DocumentNotCommitted : ExitCodes.Refused;
        }
        catch (CliFailure ex)
        {
            await stderr.WriteLineAsync(ex.Message);
            return ex.ExitCode;
        }

        return await PrintAsync(reply);
    }

    private async Task<int> PrintAsync(Reply reply)
    {
        if (reply.Error is { } error)
        {
            await stderr.WriteLineAsync(Describe(error));
            return reply.ErrorCode;
        }

        await stdout.WriteLineAsync(reply.Text ?? JsonSerializer.Serialize(reply.Value, GovernanceJson.Indented));
        return reply.SuccessCode;
    }

    private HttpClient Client(Uri server, string? apiKey)
    {
        var client = httpHandler is null ? new HttpClient() : new HttpClient(httpHandler, disposeHandler: false);
        client.BaseAddress = server;
        client.Timeout = TimeSpan.FromMinutes(10);
        if (!string.IsNullOrEmpty(apiKey))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    private async Task<int> RunRemoteAsync(Func<HttpClient, CancellationToken, Task<Reply>> run, IReadOnlyDictionary<HttpStatusCode, int>? errorCodes, Uri server, string? apiKey, CancellationToken ct)
    {
        using var client = Client(server, apiKey);
        Reply reply;
        try
        {
            reply = await run(client, ct);
        }
        catch (HttpRequestException ex)
        {
            await stderr.WriteLineAsync($"Cannot reach {server}: {ex.Message}");
            return ExitCodes.ServerUnavailable;
        }
        catch (RemoteFailure failure)
        {
            await stderr.WriteLineAsync(failure.IsJson ? Indent(failure.Body) : $"{(int)failure.Status} {failure.Status}");
            return FailureCode(failure.Status, failure.IsJson ? failure.Body : null, errorCodes);
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or JsonException)
        {
            await stderr.WriteLineAsync(ex.Message);
            return ExitCodes.Refused;
        }

        return await PrintAsync(reply);
    }

    private async Task<int> RunRemoteAsync(HttpRequestMessage request, IReadOnlyDictionary<HttpStatusCode, int>? errorCodes, Uri server, string? apiKey, CancellationToken ct)
    {
        using var client = Client(server, apiKey);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            await stderr.WriteLineAsync($"Cannot reach {server}: {ex.Message}");
            return ExitCodes.ServerUnavailable;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            var json = response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.Ordinal) == true;
            if (!response.IsSuccessStatusCode)
            {
                await stderr.WriteLineAsync(json ? Indent(body) : $"{(int)response.StatusCode} {response.ReasonPhrase}");
                return FailureCode(response.StatusCode, json ? body : null, errorCodes);
            }

            await stdout.WriteLineAsync(json ? Indent(body) : body);
            return json ? RemoteSuccessCode(body) : ExitCodes.Success;
        }
    }

    /// <summary>
    /// The exit code of a refused request: the code of a problem type the CLI knows (as the local operation would
    /// exit), the operation's own code for the status where it has one, else unavailable for auth and server errors
    /// and refused for the rest.
    /// </summary>
    private static int FailureCode(HttpStatusCode status, string? problem, IReadOnlyDictionary<HttpStatusCode, int>? errorCodes) =>
        ProblemType(problem) == DocumentNotCommittedException.ProblemType ? ExitCodes.DocumentNotCommitted
        : errorCodes?.TryGetValue(status, out var code) == true ? code
        : status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || (int)status >= 500 ? ExitCodes.ServerUnavailable : ExitCodes.Refused;

    /// <summary>Commands whose success value carries a verdict map it to an exit code the same way in both modes.</summary>
    private static int RemoteSuccessCode(string body)
    {
        using var doc = JsonDocument.Parse(body);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            return ExitCodes.Success;
        }

        if (doc.RootElement.TryGetProperty("intact", out var intact) && intact.ValueKind == JsonValueKind.False)
        {
            return ExitCodes.LedgerNotIntact;
        }

        var denied = (doc.RootElement.TryGetProperty("allowed", out var allowed) && allowed.ValueKind == JsonValueKind.False)
            || (doc.RootElement.TryGetProperty("match", out var match) && match.ValueKind == JsonValueKind.False);
        return denied ? ExitCodes.Refused : ExitCodes.Success;
    }

    private static string? ProblemType(string? body)
    {
        if (body is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
    }

    private static string Indent(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(doc.RootElement, GovernanceJson.Indented);
    }

    private static string Describe(GovernanceError e) =>
        $"{e.Kind}: {e.Message}" + (e.Field is null ? string.Empty : $" (field: {e.Field})") + (e.Citation is null ? string.Empty : $" [{e.Citation}]");
}
