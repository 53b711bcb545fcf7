using System.Collections.Concurrent;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Protection;

namespace Obscura.Biometrics.Roles;

/// <summary>Where sealed templates are kept (the storage role); it holds no key at all.</summary>
public interface ITemplateStore
{
    /// <summary>Stores (or replaces) the subject's current enrolment.</summary>
    Task SaveAsync(SealedTemplate sealedTemplate, CancellationToken cancellationToken);

    /// <summary>The subject's current enrolment, if any.</summary>
    Task<SealedTemplate?> FindAsync(string subjectId, CancellationToken cancellationToken);

    /// <summary>Every subject with a stored enrolment (for key rotation).</summary>
    Task<IReadOnlyList<string>> ListSubjectsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the subject's enrolment if it is still <paramref name="enrolmentId"/>, so a newer enrolment is never
    /// deleted in its place; returns whether one was deleted.
    /// </summary>
    Task<bool> DeleteAsync(string subjectId, string enrolmentId, CancellationToken cancellationToken);
}

/// <summary>
/// The comparison role: an encrypted, blinded comparison of a sealed reference with an encrypted probe, attested with
/// the role's own key and decided by the key holder for the capture side's ticket.
/// </summary>
public interface IComparisonRole
{
    /// <summary>
    /// Compares <paramref name="reference"/> with <paramref name="probe"/> (the blinded score − T, on ciphertexts), signs what the
    /// result was computed from, has the key holder decide it for <paramref name="ticketNonce"/>, and returns the key
    /// holder's answer, encrypted to the capture side: this role cannot read it.
    /// </summary>
    /// <exception cref="BrokenSealException">The reference's seal is broken or binds another subject.</exception>
    /// <exception cref="Keys.KeyRevokedException">The reference is under an encryption key the provider no longer uses.</exception>
    /// <exception cref="Homomorphic.Bgv.BgvFormatException">The reference or probe is not a fresh ciphertext of the scheme.</exception>
    /// <exception cref="DecisionRefusedException">The key holder refused to decide (a rate limit, or a ticket it does not accept).</exception>
    Task<SealedDecision> CompareAsync(SealedTemplate reference, string subjectId, byte[] probe, byte[] ticketNonce, CancellationToken cancellationToken);

    /// <summary>
    /// Key rotation: re-encrypts a sealed reference from the old to the new provider key by key switching, on
    /// ciphertexts only. The seal is checked first, so only genuine templates are carried over.
    /// </summary>
    Task<byte[]> SwitchKeyAsync(SealedTemplate reference, string subjectId, string targetEncryptionKeyId, CancellationToken cancellationToken);
}

/// <summary>One generation of a provider's keys, public halves only: an encryption key and the sealing key paired with it.</summary>
/// <param name="EncryptionKeyId">The homomorphic key.</param>
/// <param name="PublicKey">The serialised BGV public key.</param>
/// <param name="SealingKeyId">The sealing key that seals templates under this encryption key.</param>
/// <param name="SealPublicKey">The sealing key's public half (SubjectPublicKeyInfo).</param>
public sealed record KeyGeneration(string EncryptionKeyId, byte[] PublicKey, string SealingKeyId, byte[] SealPublicKey);

/// <summary>The provider's public material: what capture clients and comparison services need, and nothing secret.</summary>
/// <param name="ProviderId">The eID provider.</param>
/// <param name="Current">The keys new templates are made under.</param>
/// <param name="Previous">While a rotation is under way, the keys templates are being switched from.</param>
public sealed record ProviderPublicMaterial(string ProviderId, KeyGeneration Current, KeyGeneration? Previous)
{
    /// <summary>The generation of <paramref name="encryptionKeyId"/>, if it is current or being rotated from.</summary>
    public KeyGeneration? Generation(string encryptionKeyId) =>
        Current.EncryptionKeyId == encryptionKeyId ? Current
        : Previous is { } previous && previous.EncryptionKeyId == encryptionKeyId ? previous
        : null;
}

/// <summary>The public keys the comparison role computes with: relinearisation and rotations, serialised.</summary>
public sealed record EvaluationKeyMaterial(byte[] Relinearization, byte[] Galois);

/// <summary>Public key material, from the key holder (locally or over HTTP).</summary>
public interface IProviderPublicKeys
{
    /// <summary>The current public material.</summary>
    Task<ProviderPublicMaterial> GetPublicMaterialAsync(CancellationToken cancellationToken);

    /// <summary>The evaluation keys of an active encryption key.</summary>
    /// <exception cref="Keys.KeyRevokedException">The key is retired or unknown.</exception>
    Task<EvaluationKeyMaterial> GetEvaluationKeysAsync(string encryptionKeyId, CancellationToken cancellationToken);

    /// <summary>The key-switching key from a retired encryption key to the current one, while a rotation is under way.</summary>
    /// <exception cref="Keys.KeyRevokedException">No rotation from <paramref name="fromEncryptionKeyId"/> to <paramref name="toEncryptionKeyId"/> is under way.</exception>
    Task<byte[]> GetRotationKeyAsync(string fromEncryptionKeyId, string toEncryptionKeyId, CancellationToken cancellationToken);
}

/// <summary>The key holder's decision service, as the comparison role reaches it: attested results in, encrypted answers out.</summary>
public interface IKeyHolderDecisions
{
    /// <summary>
    /// Decides an attested comparison: only a result the pinned comparison role signed, over a reference sealed by this
    /// provider, for a ticket issued here, unused and unexpired, within the rate limits. The answer
    /// is encrypted to the capture side that asked for the ticket.
    /// </summary>
    /// <exception cref="DecisionRefusedException">Refused (and recorded): bad attestation, unknown, used, expired or mismatched ticket, rate limit.</exception>
    /// <exception cref="BrokenSealException">The attested reference's seal does not verify (recorded).</exception>
    /// <exception cref="Keys.KeyRevokedException">The key is retired or unknown.</exception>
    /// <exception cref="Homomorphic.Bgv.BgvFormatException">Not a comparison result of the scheme.</exception>
    Task<SealedDecision> DecideAsync(AttestedComparison comparison, CancellationToken cancellationToken);
}

/// <summary>
/// The key-management role: the only holder of the provider's homomorphic secret key and sealing private key. It
/// seals (signs a digest), issues decision tickets, decides attested comparisons (exact decryption of a blinded
/// set-membership result) and rotates; no secret leaves it.
/// </summary>
public interface IKeyHolderRole : IProviderPublicKeys, IKeyHolderDecisions
{
    /// <summary>The seal over a request's bindings, by the current sealing key.</summary>
    /// <exception cref="Keys.KeyRevokedException">The request names an encryption key that is not the current one.</exception>
    Task<byte[]> SealAsync(SealRequest request, CancellationToken cancellationToken);

    /// <summary>A single-use ticket for one decision on one enrolment, with the key holder's half of the decision channel.</summary>
    /// <exception cref="Keys.KeyRevokedException">The key is retired or unknown.</exception>
    /// <exception cref="ArgumentException">An id is missing or the capture key is not a P-256 public key.</exception>
    Task<DecisionTicket> IssueDecisionTicketAsync(DecisionTicketRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a rotation, or returns the one under way (so an interrupted rotation resumes): new encryption and sealing
    /// keys become current, the old ones previous, with a key-switching key from the old encryption key to the new.
    /// </summary>
    Task<ProviderPublicMaterial> BeginRotationAsync(CancellationToken cancellationToken);

    /// <summary>Ends the rotation: the old encryption key, its switching key and the old sealing key are destroyed.</summary>
    Task CompleteRotationAsync(CancellationToken cancellationToken);
}

/// <summary>A role service did not answer, or answered something this client cannot use.</summary>
public sealed class RoleServiceException(string role, string message, Exception? inner = null)
    : Exception($"The {role} service failed: {message}", inner)
{
    /// <summary>The role that failed (storage, comparison, key holder).</summary>
    public string Role { get; } = role;
}

/// <summary>An in-memory template store, for tests.</summary>
public sealed class InMemoryTemplateStore : ITemplateStore
{
    private readonly ConcurrentDictionary<string, SealedTemplate> _templates = new();

    /// <inheritdoc/>
    public Task SaveAsync(SealedTemplate sealedTemplate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sealedTemplate);
        _templates[sealedTemplate.SubjectId] = sealedTemplate;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<SealedTemplate?> FindAsync(string subjectId, CancellationToken cancellationToken) =>
        Task.FromResult(_templates.GetValueOrDefault(subjectId));

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> ListSubjectsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([.. _templates.Keys.Order(StringComparer.Ordinal)]);

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(string subjectId, string enrolmentId, CancellationToken cancellationToken) =>
        Task.FromResult(_templates.TryGetValue(subjectId, out var current) && current.EnrolmentId == enrolmentId
            && _templates.TryRemove(new KeyValuePair<string, SealedTemplate>(subjectId, current)));
}
