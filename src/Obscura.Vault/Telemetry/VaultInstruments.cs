using System.Diagnostics.Metrics;

namespace Obscura.Vault.Telemetry;

/// <summary>
/// The vault's metrics (System.Diagnostics.Metrics; any listener, OpenTelemetry included, may collect them). The only
/// tag is a deletion's reason, from a fixed set: never a subject, an object id, a source, a label or a purpose.
/// </summary>
public static class VaultInstruments
{
    /// <summary>The meter's name: <c>Obscura.Vault</c>.</summary>
    public const string MeterName = "Obscura.Vault";

    /// <summary>Tag with a deletion's reason: <c>erasure</c>, <c>withdrawal</c>, <c>retention</c> or <c>recovery</c> (an interrupted store rolled back).</summary>
    public const string ReasonTag = "obscura.reason";

    private static readonly Meter Meter = new(MeterName);

    /// <summary><c>obscura.vault.bytes_stored</c>: blob bytes stored (plaintext size, before encryption).</summary>
    internal static readonly Counter<long> BytesStored = Meter.CreateCounter<long>("obscura.vault.bytes_stored", "By", "Blob bytes stored in the vault (plaintext size).");

    /// <summary><c>obscura.vault.bytes_shredded</c>: blob bytes deleted, by reason.</summary>
    internal static readonly Counter<long> BytesShredded = Meter.CreateCounter<long>("obscura.vault.bytes_shredded", "By", "Blob bytes deleted from the vault (plaintext size), by reason; erasure and withdrawal also destroy the subject's data key.");

    /// <summary>Counts the bytes of deleted objects under <paramref name="reason"/>, a fixed token.</summary>
    internal static void Shredded(long bytes, string reason)
    {
        if (bytes > 0)
        {
            BytesShredded.Add(bytes, new KeyValuePair<string, object?>(ReasonTag, reason));
        }
    }
}
