using System.Text.RegularExpressions;

namespace Obscura.Vault.Internal;

/// <summary>Where everything of one vault lives on disk, and the token rules for names that become paths.</summary>
internal sealed partial class VaultLayout(string root, string? keyEncryptionKeyFolder)
{
    /// <summary>The longest source token: the ledger's <c>from</c> field is <c>source:</c> plus the source, at most 128 characters.</summary>
    public const int MaxSourceLength = 128 - 7;

    public string Root { get; } = root;

    public string Catalog => Path.Combine(Root, "vault.db");

    public string Objects => Path.Combine(Root, "objects");

    public string Exports => Path.Combine(Root, "exports");

    public string Scratch => Path.Combine(Root, "scratch");

    public string KeyStore => Path.Combine(Root, "keystore");

    /// <summary>The KEK folder of the key store; <see langword="null"/> means its default, <c>keystore/kek</c>.</summary>
    public string? KeyEncryptionKeys { get; } = keyEncryptionKeyFolder;

    public string Writers => Path.Combine(Root, "writers");

    /// <summary>Held by whoever deletes, recovers or publishes: retention, shredding, recovery, export publication.</summary>
    public string MaintenanceLock => Path.Combine(Root, "locks", "maintenance.lock");

    public string WriterLock(string writer) => Path.Combine(Writers, writer + ".lock");

    public string ObjectPath(string id) => Path.Combine(Objects, id.Substring(4, 2), id + ".obj");

    public string ExportFolder(string run) => Path.Combine(Exports, run);

    public string ScratchFolder(string run) => Path.Combine(Scratch, run);

    /// <summary>An export's staging folder: named after the writer that owns it, so recovery knows whose it is.</summary>
    public string StagingFolder(string run, string writer) => Path.Combine(ScratchFolder(run), $"staging-{writer}-{Guid.NewGuid():N}");

    /// <summary>The writer of a staging folder, or <see langword="null"/> when the name is not one this version makes.</summary>
    public static string? WriterOfStaging(string folder) =>
        StagingName().Match(Path.GetFileName(folder)) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>The object id of a temporary file left by an object write (<c>obj_….obj.GUID.tmp</c>), or <see langword="null"/>.</summary>
    public static string? ObjectOfTemporary(string file)
    {
        var name = Path.GetFileName(file);
        var at = name.IndexOf(".obj.", StringComparison.Ordinal);
        return at > 0 ? name[..at] : null;
    }

    /// <summary>Whether <paramref name="value"/> is a short token: 1-64 characters of a-z, 0-9, '.', '_' and '-'.</summary>
    public static bool IsToken(string? value) => value is not null && TokenPattern().IsMatch(value);

    /// <summary>Whether <paramref name="value"/> is a source token the ledger accepts behind <c>source:</c>.</summary>
    public static bool IsSource(string? value) => value is not null && SourcePattern().IsMatch(value);

    /// <summary>Whether <paramref name="value"/> is a writer id this version makes (32 lower-case hex digits).</summary>
    public static bool IsWriterId(string? value) => value is not null && WriterPattern().IsMatch(value);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,120}$")]
    private static partial Regex SourcePattern();

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex WriterPattern();

    [GeneratedRegex("^staging-([0-9a-f]{32})-[0-9a-f]{32}$")]
    private static partial Regex StagingName();
}
