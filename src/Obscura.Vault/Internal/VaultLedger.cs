using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Vault.Internal;

/// <summary>The ledger events of the vault's deletions (see the table in docs/vault.md).</summary>
internal static class VaultLedger
{
    public const string RecoveryActor = "svc:vault-recovery";

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
}
