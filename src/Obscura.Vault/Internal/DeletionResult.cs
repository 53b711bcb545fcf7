using Obscura.Governance.Subjects;

namespace Obscura.Vault.Internal;

/// <summary>What one deletion transaction did: the objects actually deleted, the subjects whose data key it retired, those key ids, and its outbox entry.</summary>
internal sealed record DeletionResult(IReadOnlyList<VaultObject> Deleted, IReadOnlyList<SubjectId> Shredded, IReadOnlyList<string> RetiredKeys, long? Outbox);
