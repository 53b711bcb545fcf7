using Obscura.Governance.Access;
using Obscura.Storage;

namespace Obscura.Server.Hosting;

/// <summary>On first start, creates one controller key so the operator can get in (see <see cref="DataFolder.EnsureBootstrapKeyAsync"/>).</summary>
internal static partial class BootstrapKey
{
    public static async Task EnsureAsync(ApiKeys keys, DataFolder folder, ILogger logger, CancellationToken ct)
    {
        if (await folder.EnsureBootstrapKeyAsync(keys, ct) is { } path)
        {
            LogCreated(logger, path);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created the first controller API key and wrote it to {Path} (owner-only). Create named keys with 'obscura --data <folder> apikey create --name <name> --role <role>', then revoke this one with 'obscura --data <folder> apikey revoke --name bootstrap-admin'.")]
    private static partial void LogCreated(ILogger logger, string path);
}
