using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Biometrics.Roles.Remote;

/// <summary>
/// One role service over HTTP: sends this process's own role credential, maps the role's refusals back to the
/// exceptions the local role raises, and turns everything else (unreachable, timed out, refused for this caller, an
/// unexpected answer) into <see cref="RoleServiceException"/>.
/// </summary>
public sealed class RoleConnection : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;

    /// <summary>
    /// A connection to the <paramref name="role"/> service at <paramref name="baseAddress"/>, presenting
    /// <paramref name="credential"/> (this process's own role credential) as <c>Authorization: Bearer …</c>.
    /// </summary>
    public RoleConnection(string role, Uri baseAddress, string credential, HttpMessageHandler? handler = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentException.ThrowIfNullOrWhiteSpace(credential);
        Role = role;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: handler is null)
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
    }

    /// <summary>The role's name, for messages.</summary>
    public string Role { get; }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    internal async Task<T?> GetAsync<T>(string path, bool notFoundIsNull, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken).ConfigureAwait(false);
        if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellationToken, TimeSpan? timeout = null)
        where T : class
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) }, cancellationToken, timeout).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    internal async Task SendWithoutAnswerAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Json) };
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a DELETE; false when the role answers 404 (nothing to delete).</summary>
    internal async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, path), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>How long a call may take unless it says otherwise.</summary>
    internal static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(60);

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            return await _http.SendAsync(request, deadline.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RoleServiceException(Role, $"not reachable at {_http.BaseAddress} ({e.Message})", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RoleServiceException(Role, $"no answer from {_http.BaseAddress} within {limit.TotalSeconds:F0} s", e);
        }
        finally
        {
            request.Dispose();
        }
    }

    private async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
        where T : class
    {
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
                ?? throw new RoleServiceException(Role, "an empty answer");
        }
        catch (JsonException e)
        {
            throw new RoleServiceException(Role, "an answer that is not the expected JSON", e);
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var problem = await ReadProblemAsync(response, cancellationToken).ConfigureAwait(false);
        string Text(string name) => problem.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;
        var detail = Text("detail");
        throw (int)response.StatusCode switch
        {
            RoleProblems.BrokenSeal => new BrokenSealException(detail),
            RoleProblems.KeyRevoked => new KeyRevokedException(Text("keyId")),
            RoleProblems.Malformed => new BgvFormatException($"The {Role} service refused the request: {detail}"),
            RoleProblems.DecisionRefused or RoleProblems.RateLimited when problem.TryGetProperty("reason", out var reason) && Enum.TryParse<DecisionRefusal>(reason.GetString(), out var why) => new DecisionRefusedException(why, detail),
            StatusCodes403 => new RoleServiceException(Role, $"refused this process's role credential for this call (HTTP 403): {detail}".TrimEnd()),
            _ => new RoleServiceException(Role, $"HTTP {(int)response.StatusCode} {detail}".TrimEnd()),
        };
    }

    private const int StatusCodes403 = 403;

    private static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var empty = JsonDocument.Parse("{}").RootElement;
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return string.IsNullOrWhiteSpace(text) ? empty : JsonDocument.Parse(text).RootElement is { ValueKind: JsonValueKind.Object } problem ? problem : empty;
        }
        catch (JsonException)
        {
            return empty;
        }
    }
}

/// <summary>The storage role over HTTP.</summary>
public sealed class RemoteTemplateStore(RoleConnection connection) : ITemplateStore
{
    /// <inheritdoc/>
    public Task SaveAsync(SealedTemplate sealedTemplate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sealedTemplate);
        return connection.SendWithoutAnswerAsync(HttpMethod.Put, Path(sealedTemplate.SubjectId), sealedTemplate, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<SealedTemplate?> FindAsync(string subjectId, CancellationToken cancellationToken) =>
        connection.GetAsync<SealedTemplate>(Path(subjectId), notFoundIsNull: true, cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> ListSubjectsAsync(CancellationToken cancellationToken) =>
        (await connection.GetAsync<SubjectList>(RolePaths.StorageSubjects, notFoundIsNull: false, cancellationToken).ConfigureAwait(false))!.Subjects;

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(string subjectId, string enrolmentId, CancellationToken cancellationToken) =>
        connection.DeleteAsync($"{Path(subjectId)}?enrolmentId={Uri.EscapeDataString(enrolmentId)}", cancellationToken);

    private static string Path(string subjectId) => RolePaths.Fill(RolePaths.StorageTemplate, subjectId);
}

/// <summary>The comparison role over HTTP.</summary>
public sealed class RemoteComparison(RoleConnection connection) : IComparisonRole
{
    /// <inheritdoc/>
    public Task<SealedDecision> CompareAsync(SealedTemplate reference, string subjectId, byte[] probe, byte[] ticketNonce, CancellationToken cancellationToken) =>
        connection.PostAsync<SealedDecision>(RolePaths.Compare, new CompareRequest(reference, subjectId, probe, ticketNonce), cancellationToken);

    /// <inheritdoc/>
    public async Task<byte[]> SwitchKeyAsync(SealedTemplate reference, string subjectId, string targetEncryptionKeyId, CancellationToken cancellationToken) =>
        (await connection.PostAsync<CiphertextResponse>(RolePaths.SwitchKey, new SwitchKeyRequest(reference, subjectId, targetEncryptionKeyId), cancellationToken).ConfigureAwait(false)).Ciphertext;
}

/// <summary>The key-management role over HTTP. Only public material, seals, tickets and encrypted decisions cross; no secret does.</summary>
public sealed class RemoteKeyHolder(RoleConnection connection) : IKeyHolderRole
{
    /// <inheritdoc/>
    public async Task<ProviderPublicMaterial> GetPublicMaterialAsync(CancellationToken cancellationToken) =>
        (await connection.GetAsync<ProviderPublicMaterial>(RolePaths.PublicMaterial, notFoundIsNull: false, cancellationToken).ConfigureAwait(false))!;

    /// <inheritdoc/>
    public async Task<EvaluationKeyMaterial> GetEvaluationKeysAsync(string encryptionKeyId, CancellationToken cancellationToken) =>
        (await connection.GetAsync<EvaluationKeyMaterial>(Format(RolePaths.EvaluationKeys, encryptionKeyId), notFoundIsNull: false, cancellationToken).ConfigureAwait(false))!;

    /// <inheritdoc/>
    public async Task<byte[]> GetRotationKeyAsync(string fromEncryptionKeyId, string toEncryptionKeyId, CancellationToken cancellationToken) =>
        (await connection.GetAsync<CiphertextResponse>(Format(RolePaths.RotationKey, fromEncryptionKeyId, toEncryptionKeyId), notFoundIsNull: false, cancellationToken).ConfigureAwait(false))!.Ciphertext;

    /// <inheritdoc/>
    public async Task<byte[]> SealAsync(SealRequest request, CancellationToken cancellationToken) =>
        (await connection.PostAsync<SealResponse>(RolePaths.Seal, request, cancellationToken).ConfigureAwait(false)).Signature;

    /// <inheritdoc/>
    public Task<DecisionTicket> IssueDecisionTicketAsync(DecisionTicketRequest request, CancellationToken cancellationToken) =>
        connection.PostAsync<DecisionTicket>(RolePaths.Tickets, request, cancellationToken);

    /// <inheritdoc/>
    public Task<SealedDecision> DecideAsync(AttestedComparison comparison, CancellationToken cancellationToken) =>
        connection.PostAsync<SealedDecision>(RolePaths.Decide, comparison, cancellationToken);

    /// <inheritdoc/>
    public Task<ProviderPublicMaterial> BeginRotationAsync(CancellationToken cancellationToken) =>
        connection.PostAsync<ProviderPublicMaterial>(RolePaths.BeginRotation, null, cancellationToken, KeyCreationTimeout);

    /// <summary>Beginning a rotation creates a key and calibrates its flooding bound in the request: tens of seconds on a loaded machine.</summary>
    private static TimeSpan KeyCreationTimeout { get; } = TimeSpan.FromMinutes(10);

    /// <inheritdoc/>
    public Task CompleteRotationAsync(CancellationToken cancellationToken) =>
        connection.SendWithoutAnswerAsync(HttpMethod.Post, RolePaths.CompleteRotation, null, cancellationToken);

    private static string Format(string path, params string[] ids) => RolePaths.Fill(path, ids);
}
