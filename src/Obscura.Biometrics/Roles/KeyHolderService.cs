using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Homomorphic.Bgv;
using Obscura.Security.Files;
using Obscura.Security.Locks;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// The key-management role over its own key store, in its own folder with its own master key: the only holder of the
/// provider's homomorphic secret keys and sealing private keys. It seals digests, issues single-use decision tickets,
/// and decides only attested comparisons (a result the pinned comparison role signed, over a reference this provider
/// sealed, for a ticket issued here), by exact decryption of a blinded set-membership result, under per-subject and
/// per-caller rate limits and a probing monitor, all kept in its state database (<see cref="KeyHolderState"/>). Keys
/// are generated when the provider is created, never on a decision. The current key ids (and, during a rotation,
/// the previous ones) are kept in a state file written atomically, so a crash mid-rotation leaves a rotation that the
/// next call resumes.
/// </summary>
public sealed class KeyHolderService : IKeyHolderRole, IDisposable
{
    /// <summary>The caller name of the in-process capture side (tickets) in the embedded deployment.</summary>
    public const string LocalCapture = "capture";

    /// <summary>The caller name of the in-process comparison role (decisions) in the embedded deployment.</summary>
    public const string LocalComparison = "comparison";

    private readonly KeyManagementService _keys;
    private readonly KeyHolderState _decisions;
    private readonly ComparisonAttestationVerifier _attestations;
    private readonly KeyHolderOptions _options;
    private readonly string _stateFile;
    private readonly ConcurrentDictionary<string, Lazy<DecisionKeyHolder>> _deciders = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private TemplateSealer? _sealer;
    private ProviderKeyIds _state;

    private KeyHolderService(KeyManagementService keys, KeyHolderState decisions, ComparisonAttestationVerifier attestations, KeyHolderOptions options, string stateFile, ProviderKeyIds state)
    {
        _keys = keys;
        _decisions = decisions;
        _attestations = attestations;
        _options = options;
        _stateFile = stateFile;
        _state = state;
    }

    /// <summary>
    /// Opens the key holder in <paramref name="directory"/>: its own key store (<c>master.key</c> and wrapped keys), its
    /// decision state (<c>state.db</c>) and <c>provider.json</c> naming the provider's keys. On first use it creates the
    /// provider's keys (about a second); later opens are quick.
    /// </summary>
    /// <exception cref="ArgumentException">The pinned comparison key is not a P-256 public key.</exception>
    public static KeyHolderService Open(string directory, KeyHolderOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(options);
        var attestations = new ComparisonAttestationVerifier(options.ComparisonKey ?? throw new ArgumentException("The comparison role's attestation key must be pinned.", nameof(options)));
        OwnerOnlyFiles.CreateDirectory(directory);
        var keys = KeyManagementService.Open(directory);
        KeyHolderState? decisions = null;
        try
        {
            decisions = KeyHolderState.Open(directory, keys, options.Limits, options.Clock);
            var stateFile = Path.Combine(directory, "provider.json");

            // Two processes opening an empty folder at once must not both create keys.
            using (ProcessLock.Acquire(Path.Combine(directory, "provider.lock"), CancellationToken.None))
            {
                ProviderKeyIds state;
                if (File.Exists(stateFile))
                {
                    state = JsonSerializer.Deserialize<ProviderKeyIds>(File.ReadAllBytes(stateFile)) ?? throw new InvalidDataException($"{stateFile} is empty.");
                }
                else
                {
                    state = new ProviderKeyIds(options.ProviderId, CreateEncryptionKey(keys, decisions, options), keys.CreateSealingKey(options.ProviderId));
                    OwnerOnlyFiles.WriteAtomically(stateFile, JsonSerializer.SerializeToUtf8Bytes(state));
                }

                return new KeyHolderService(keys, decisions, attestations, options, stateFile, state);
            }
        }
        catch
        {
            decisions?.Dispose();
            keys.Dispose();
            throw;
        }
    }

    /// <summary>The provider's current key ids.</summary>
    public ProviderKeyIds Provider => _state;

    /// <summary>Decisions made under the current encryption key (a count; exact decisions need no budget).</summary>
    public long DecisionCount => _decisions.Decisions(_state.EncryptionKeyId);

    /// <summary>The key holder's key store (tests open secret keys through it to check what the roles compute).</summary>
    internal KeyManagementService Keys => _keys;

    /// <summary>The decision state database.</summary>
    internal string DecisionStatePath => _decisions.DatabasePath;

    /// <summary>Each key's decision count and the latest <paramref name="maxEvents"/> refusals and probing flags, for the operator.</summary>
    public DecisionReport Report(int maxEvents = 100)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxEvents);
        return _decisions.Report(maxEvents);
    }

    /// <inheritdoc/>
    public Task<ProviderPublicMaterial> GetPublicMaterialAsync(CancellationToken cancellationToken)
    {
        var state = _state;
        var previous = state.PreviousEncryptionKeyId is { } encryption && state.PreviousSealingKeyId is { } sealing ? Generation(encryption, sealing) : null;
        return Task.FromResult(new ProviderPublicMaterial(state.ProviderId, Generation(state.EncryptionKeyId, state.SealingKeyId), previous));
    }

    /// <inheritdoc/>
    public Task<EvaluationKeyMaterial> GetEvaluationKeysAsync(string encryptionKeyId, CancellationToken cancellationToken)
    {
        EnsureProviderKey(encryptionKeyId);
        var (relinearization, galois) = _keys.ReadEvaluationKeys(encryptionKeyId);
        return Task.FromResult(new EvaluationKeyMaterial(relinearization, galois));
    }

    /// <inheritdoc/>
    public Task<byte[]> GetRotationKeyAsync(string fromEncryptionKeyId, string toEncryptionKeyId, CancellationToken cancellationToken)
    {
        var state = _state;
        if (state.PreviousEncryptionKeyId != fromEncryptionKeyId || state.EncryptionKeyId != toEncryptionKeyId)
        {
            throw new KeyRevokedException(fromEncryptionKeyId);
        }

        return Task.FromResult(_keys.ReadRotationKey(fromEncryptionKeyId, toEncryptionKeyId));
    }

    /// <inheritdoc/>
    public Task<byte[]> SealAsync(SealRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        lock (_gate)
        {
            // Only templates under the current encryption key are sealed: a retired key's templates cannot come back.
            if (request.EncryptionKeyId != _state.EncryptionKeyId)
            {
                throw new KeyRevokedException(request.EncryptionKeyId);
            }

            _sealer ??= _keys.OpenSealer(_state.SealingKeyId);
            return Task.FromResult(_sealer.Sign(request));
        }
    }

    /// <inheritdoc/>
    Task<DecisionTicket> IKeyHolderRole.IssueDecisionTicketAsync(DecisionTicketRequest request, CancellationToken cancellationToken) =>
        IssueDecisionTicketAsync(request, LocalCapture, cancellationToken);

    /// <summary>A ticket for <paramref name="caller"/> (the authenticated capture service), kept single-use in the state database.</summary>
    /// <exception cref="KeyRevokedException">The key is retired or unknown.</exception>
    /// <exception cref="ArgumentException">An id is missing or the capture key is not a P-256 public key.</exception>
    /// <exception cref="DecisionRefusedException">The caller holds as many unused, unexpired tickets as it may (recorded).</exception>
    public async Task<DecisionTicket> IssueDecisionTicketAsync(DecisionTicketRequest request, string caller, CancellationToken cancellationToken)
    {
        try
        {
            return IssueDecisionTicket(request, caller);
        }
        catch (DecisionRefusedException e)
        {
            await NotifyAsync(new DecisionEvent(_options.Clock.GetUtcNow(), DecisionEvent.RefusalKind(e.Reason), request.SubjectId, request.EnrolmentId, caller, e.Message), cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    private DecisionTicket IssueDecisionTicket(DecisionTicketRequest request, string caller)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(caller);
        request.Validate();
        EnsureProviderKey(request.EncryptionKeyId);
        var nonce = RandomNumberGenerator.GetBytes(32);
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var responseKey = DecisionChannel.Agree(ephemeral, request.CapturePublicKey, nonce);
        try
        {
            var expiresAt = _options.Clock.GetUtcNow() + _options.Limits.EffectiveTicketLifetime;
            _decisions.IssueTicket(nonce, request, caller, expiresAt, responseKey);
            return new DecisionTicket(nonce, request.SubjectId, request.EnrolmentId, request.EncryptionKeyId, expiresAt, ephemeral.ExportSubjectPublicKeyInfo());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(responseKey);
        }
    }

    /// <inheritdoc/>
    Task<SealedDecision> IKeyHolderDecisions.DecideAsync(AttestedComparison comparison, CancellationToken cancellationToken) =>
        DecideAsync(comparison, LocalComparison, cancellationToken);

    /// <summary>Decides an attested comparison sent by <paramref name="decider"/> (the authenticated comparison role); see <see cref="IKeyHolderDecisions.DecideAsync"/>.</summary>
    public async Task<SealedDecision> DecideAsync(AttestedComparison comparison, string decider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        ArgumentException.ThrowIfNullOrWhiteSpace(decider);
        if (!_attestations.Verify(comparison))
        {
            await RefuseAsync(DecisionRefusal.BadAttestation, comparison, decider, "The result carries no valid signature of the pinned comparison role.", cancellationToken).ConfigureAwait(false);
        }

        var reference = comparison.Reference;
        EnsureProviderKey(reference.EncryptionKeyId);
        try
        {
            SealVerifier(reference.EncryptionKeyId).Verify(reference, comparison.SealingKeyId, comparison.Seal);
        }
        catch (BrokenSealException e)
        {
            await RecordAsync(new DecisionEvent(_options.Clock.GetUtcNow(), DecisionEvent.RefusalKind(DecisionRefusal.BrokenSeal), reference.SubjectId, reference.EnrolmentId, decider, e.Message), cancellationToken).ConfigureAwait(false);
            throw;
        }

        BgvCiphertext[] result;
        try
        {
            result = DecisionKeyHolder.ParseResult(comparison.Result);
        }
        catch (BgvFormatException e)
        {
            await RecordAsync(new DecisionEvent(_options.Clock.GetUtcNow(), DecisionEvent.RefusalKind(DecisionRefusal.Malformed), reference.SubjectId, reference.EnrolmentId, decider, e.Message), cancellationToken).ConfigureAwait(false);
            throw;
        }

        var keyHolder = Decider(reference.EncryptionKeyId);
        DecisionReservation reservation;
        try
        {
            reservation = _decisions.Reserve(comparison, decider);
        }
        catch (DecisionRefusedException e)
        {
            await NotifyAsync(new DecisionEvent(_options.Clock.GetUtcNow(), DecisionEvent.RefusalKind(e.Reason), reference.SubjectId, reference.EnrolmentId, decider, e.Message), cancellationToken).ConfigureAwait(false);
            throw;
        }

        try
        {
            var match = keyHolder.Decide(result);
            var flags = _decisions.Complete(reservation);
            foreach (var flag in flags)
            {
                await NotifyAsync(flag, cancellationToken).ConfigureAwait(false);
            }

            return DecisionChannel.Seal(reservation.ResponseKey, comparison.TicketNonce, match);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(reservation.ResponseKey);
        }
    }

    /// <inheritdoc/>
    public Task<ProviderPublicMaterial> BeginRotationAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_state.Rotating)
            {
                var encryption = CreateEncryptionKey(_keys, _decisions, _options with { ProviderId = _state.ProviderId });
                var sealing = _keys.CreateSealingKey(_state.ProviderId);
                _keys.CreateRotationKey(_state.EncryptionKeyId, encryption);
                Commit(new ProviderKeyIds(_state.ProviderId, encryption, sealing, _state.EncryptionKeyId, _state.SealingKeyId));
            }
        }

        return GetPublicMaterialAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task CompleteRotationAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_state is { PreviousEncryptionKeyId: { } encryption, PreviousSealingKeyId: { } sealing })
            {
                // State first: after a crash between the two steps the old keys are unused, and revoking them again is harmless.
                Commit(_state with { PreviousEncryptionKeyId = null, PreviousSealingKeyId = null });
                RevokeIfActive(encryption);
                RevokeIfActive(sealing);
                if (_deciders.TryRemove(encryption, out var retired) && retired.IsValueCreated)
                {
                    retired.Value.Dispose();
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _sealer?.Dispose();
            _sealer = null;
            foreach (var decider in _deciders.Values.Where(d => d.IsValueCreated))
            {
                decider.Value.Dispose();
            }

            _deciders.Clear();
            _decisions.Dispose();
            _keys.Dispose();
        }
    }

    /// <summary>Creates an encryption key and its decision state at once.</summary>
    private static string CreateEncryptionKey(KeyManagementService keys, KeyHolderState decisions, KeyHolderOptions options)
    {
        var id = keys.CreateEncryptionKey(options.ProviderId);
        decisions.CreateKey(id);
        return id;
    }

    private async Task RefuseAsync(DecisionRefusal reason, AttestedComparison comparison, string decider, string detail, CancellationToken cancellationToken)
    {
        await RecordAsync(new DecisionEvent(_options.Clock.GetUtcNow(), DecisionEvent.RefusalKind(reason), comparison.Reference?.SubjectId, comparison.Reference?.EnrolmentId, decider, detail), cancellationToken).ConfigureAwait(false);
        throw new DecisionRefusedException(reason, detail);
    }

    private async Task RecordAsync(DecisionEvent decisionEvent, CancellationToken cancellationToken)
    {
        _decisions.Record(decisionEvent);
        await NotifyAsync(decisionEvent, cancellationToken).ConfigureAwait(false);
    }

    private Task NotifyAsync(DecisionEvent decisionEvent, CancellationToken cancellationToken) =>
        _options.OnEvent?.Invoke(decisionEvent, cancellationToken) ?? Task.CompletedTask;

    private void Commit(ProviderKeyIds state)
    {
        OwnerOnlyFiles.WriteAtomically(_stateFile, JsonSerializer.SerializeToUtf8Bytes(state));
        if (state.SealingKeyId != _state.SealingKeyId)
        {
            _sealer?.Dispose();
            _sealer = null;
        }

        _state = state;
    }

    private void RevokeIfActive(string keyId)
    {
        if (_keys.IsActive(keyId))
        {
            _keys.Revoke(keyId);
        }
    }

    private KeyGeneration Generation(string encryptionKeyId, string sealingKeyId) =>
        new(encryptionKeyId, _keys.ReadPublicKey(encryptionKeyId), sealingKeyId, _keys.ReadSealPublicKey(sealingKeyId));

    private TemplateSealVerifier SealVerifier(string encryptionKeyId)
    {
        var state = _state;
        var sealingKeyId = encryptionKeyId == state.EncryptionKeyId ? state.SealingKeyId : state.PreviousSealingKeyId ?? throw new KeyRevokedException(encryptionKeyId);
        return _keys.OpenSealVerifier(sealingKeyId);
    }

    private void EnsureProviderKey(string encryptionKeyId)
    {
        var state = _state;
        if (encryptionKeyId is null || (encryptionKeyId != state.EncryptionKeyId && encryptionKeyId != state.PreviousEncryptionKeyId))
        {
            throw new KeyRevokedException(encryptionKeyId ?? string.Empty);
        }
    }

    private DecisionKeyHolder Decider(string encryptionKeyId)
    {
        var lazy = _deciders.GetOrAdd(encryptionKeyId, id => new Lazy<DecisionKeyHolder>(() => CreateDecider(id), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A missing or altered state is not cached: once it is restored, the next decision opens the key again.
            _deciders.TryRemove(new KeyValuePair<string, Lazy<DecisionKeyHolder>>(encryptionKeyId, lazy));
            throw;
        }
    }

    private DecisionKeyHolder CreateDecider(string encryptionKeyId)
    {
        // The state was created with the key; a key without one is tampering, never a reason to start a new count.
        _ = _decisions.Decisions(encryptionKeyId);
        return new DecisionKeyHolder(_keys.OpenDecryptionKey(encryptionKeyId));
    }
}
