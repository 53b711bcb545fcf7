using Obscura.Governance.Access;
using Obscura.Storage;

namespace Obscura.Server.Hosting;

/// <summary>On first start, creates one controller key so the operator can get in, and writes it to an owner-only file.</summary>
internal static partial class BootstrapKey
{
    public const string FileName = "bootstrap-admin.key";

    public static async Task EnsureAsync(ApiKeys keys, IApiKeyStore store, DataFolder folder, ILogger logger, CancellationToken ct)
    {
        if ((await store.ListApiKeysAsync(ct)).Count > 0)
        {
            return;
        }

        var created = await keys.CreateAsync("bootstrap-admin", Role.Controller, null, ct);
        if (!created.Succeeded)
        {
            throw new InvalidOperationException(created.Error.Message);
        }

        var path = Path.Combine(folder.Path, FileName);
        DataFolder.WriteAtomically(path, created.Value.Key + "\n", ownerOnly: true);
        LogCreated(logger, path);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created the first controller API key and wrote it to {Path} (owner-only). Create named keys with 'obscura apikey create' and revoke this one.")]
    private static partial void LogCreated(ILogger logger, string path);
}
