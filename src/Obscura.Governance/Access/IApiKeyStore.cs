namespace Obscura.Governance.Access;

/// <summary>Persistence of API key records.</summary>
public interface IApiKeyStore
{
    /// <summary>Inserts a key; returns <see langword="false"/> when the name is taken.</summary>
    Task<bool> InsertApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken);

    /// <summary>The key with this lookup id, or <see langword="null"/>.</summary>
    Task<ApiKeyRecord?> FindApiKeyAsync(string id, CancellationToken cancellationToken);

    /// <summary>All keys, revoked ones included, by name.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken);

    /// <summary>Marks the named key revoked; returns <see langword="false"/> when no live key has that name.</summary>
    Task<bool> RevokeApiKeyAsync(string name, DateTimeOffset at, CancellationToken cancellationToken);
}
