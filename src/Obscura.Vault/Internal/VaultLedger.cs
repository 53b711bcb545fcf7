using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Vault.Internal;

/// <summary>The ledger events of the vault's deletions (see the table in docs/vault.md).</summary>
internal static class VaultLedger
{
    public const string RecoveryActor = "svc:vault-recovery";

    /// <summary>The actor of the ledger entries a catalogue migration stages for records written before they were ledgered.</summary>
    public const string MigrationActor = "svc:vault-migration";

    /// <summary>Where minimisation policies live, the <c>to</c> of their ledger entries.</summary>
    public const string PoliciesLocation = "vault:policies";

    public static readonly DataCategory PolicyCategory = DataCategory.Parse("minimisation-policy");

    public static readonly DataCategory KeyCategory = DataCategory.Parse("data-key");

    public static readonly DataCategory ScratchCategory = DataCategory.Parse("training-scratch");

    public static readonly DataCategory ExportCategory = DataCategory.Parse("training-export");

    /// <summary>One <c>Delete</c> per object (<c>vault:objects</c> → reason) and one per destroyed data key (<c>vault:keys</c> → reason).</summary>
    public static IReadOnlyList<AuditEvent> Deletions(string actor, IReadOnlyList<VaultObject> objects, IReadOnlyList<SubjectId> shredded, string reason) =>
    [
        .. objects.Select(o => new AuditEvent(actor, AuditAction.Delete, o.Category, o.Subject, o.Purpose, from: "vault:objects", to: reason, reference: o.Id)),
        .. shredded.Select(s => new AuditEvent(actor, AuditAction.Delete, KeyCategory, s, null, from: "vault:keys", to: reason, reference: "data-key")),
    ];

    /// <summary>A whole export deleted (<c>export:RUN</c> → reason).</summary>
    public static AuditEvent ExportDeleted(string actor, string run, PurposeId purpose, string reason) =>
        new(actor, AuditAction.Delete, ExportCategory, null, purpose, from: "export:" + run, to: reason, reference: run);

    /// <summary>
    /// A policy version recorded (<c>Create</c>, <see cref="PolicyCategory"/>, → <c>vault:policies</c>), with the
    /// reference <c>vN:sha256:H</c>, H the first 128 bits of <see cref="PolicyDigest"/>: the ledger carries no free text
    /// (justification, approver), only a commitment to the whole version that <c>vault check</c> compares with the row.
    /// </summary>
    public static AuditEvent PolicyRecorded(string actor, MinimisationPolicy policy) =>
        new(actor, AuditAction.Create, PolicyCategory, null, policy.Purpose, from: null, to: PoliciesLocation, reference: PolicyReference(policy));

    /// <summary>The ledger reference of a policy version: <c>vN:sha256:</c> and 32 hex digits.</summary>
    public static string PolicyReference(MinimisationPolicy policy) =>
        string.Create(CultureInfo.InvariantCulture, $"v{policy.Version}:sha256:{Convert.ToHexStringLower(PolicyDigest(policy))[..32]}");

    /// <summary>The version part (<c>vN</c>) of a policy reference, or null when it is not one.</summary>
    public static int? PolicyVersionOf(string? reference) =>
        reference is not null && reference.StartsWith('v') && reference.IndexOf(':', StringComparison.Ordinal) is > 1 and var end
            && int.TryParse(reference.AsSpan(1, end - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;

    /// <summary>
    /// SHA-256 of a policy version's canonical encoding: every column as stored (the creation time in whole
    /// milliseconds, the fraction as its shortest round-trip text), so a row read back hashes to what was recorded.
    /// </summary>
    public static byte[] PolicyDigest(MinimisationPolicy policy) => SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new object?[]
    {
        "obscura-policy-v1",
        policy.Purpose.Value,
        policy.Version,
        policy.Fraction.ToString("R", CultureInfo.InvariantCulture),
        policy.StratifyBy,
        policy.MaxRecords,
        policy.Justification,
        policy.ApprovedBy,
        policy.CreatedAt.ToUnixTimeMilliseconds(),
        policy.AllowedFields,
    })));
}
