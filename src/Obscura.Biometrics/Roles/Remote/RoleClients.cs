using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Roles.Remote;

/// <summary>
/// One role service over HTTP: sends the service token, maps the role's refusals back to the exceptions the local role
/// raises, and turns everything else (unreachable, timed out, an unexpected answer) into <see cref="RoleServiceException"/>.
/// </summary>
public sealed class RoleConnection : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;

    /// <summary>A connection to the <paramref name="role"/> service at <paramref name="baseAddress"/>.</summary>
    public RoleConnection(string role, Uri baseAddress, string serviceToken, HttpMessageHandler? handler = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceToken);
        Role = role;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: handler is null)
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", serviceToken);
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

    internal async Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) }, cancellationToken).ConfigureAwait(false);
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

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RoleServiceException(Role, $"not reachable at {_http.BaseAddress} ({e.Message})", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RoleServiceException(Role, $"no answer from {_http.BaseAddress} within {_http.Timeout.TotalSeconds:F0} s", e);
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
            RoleProblems.BudgetSpent when problem.TryGetProperty("budget", out var budget) && budget.TryGetInt64(out var max) => new DecisionBudgetSpentException(max),
            RoleProblems.Malformed => new CkksFormatException($"The {Role} service refused the request: {detail}"),
            _ => new RoleServiceException(Role, $"HTTP {(int)response.StatusCode} {detail}".TrimEnd()),
        };
    }

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
    public async Task<byte[]> CompareAsync(SealedTemplate reference, string subjectId, byte[] probe, CancellationToken cancellationToken) =>
        (await connection.PostAsync<CiphertextResponse>(RolePaths.Compare, new CompareRequest(reference, subjectId, probe), cancellationToken).ConfigureAwait(false)).Ciphertext;

    /// <inheritdoc/>
    public async Task<byte[]> SwitchKeyAsync(SealedTemplate reference, string subjectId, string targetEncryptionKeyId, CancellationToken cancellationToken) =>
        (await connection.PostAsync<CiphertextResponse>(RolePaths.SwitchKey, new SwitchKeyRequest(reference, subjectId, targetEncryptionKeyId), cancellationToken).ConfigureAwait(false)).Ciphertext;
}

/// <summary>The key-management role over HTTP. Only public material, seals and decisions cross; no secret does.</summary>
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
    public async Task<bool> DecideAsync(string encryptionKeyId, byte[] encryptedComparison, CancellationToken cancellationToken) =>
        (await connection.PostAsync<DecisionResponse>(RolePaths.Decide, new DecideRequest(encryptionKeyId, encryptedComparison), cancellationToken).ConfigureAwait(false)).Match;

    /// <inheritdoc/>
    public Task<ProviderPublicMaterial> BeginRotationAsync(CancellationToken cancellationToken) =>
        connection.PostAsync<ProviderPublicMaterial>(RolePaths.BeginRotation, null, cancellationToken);

    /// <inheritdoc/>
    public Task CompleteRotationAsync(CancellationToken cancellationToken) =>
        connection.SendWithoutAnswerAsync(HttpMethod.Post, RolePaths.CompleteRotation, null, cancellationToken);

    private static string Format(string path, params string[] ids) => RolePaths.Fill(path, ids);
}
