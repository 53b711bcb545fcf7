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
/// <remarks>
/// What a decision needs is kept in memory across requests: the unwrapped secret key of each encryption key in use
/// (one decider per key), the sealing private key, the seal verifiers and the public material. Every call first reads
/// <c>provider.json</c> again (a few hundred bytes) and compares it with the copy it holds, so a rotation by another
/// process sharing the folder (the CLI beside a server, a second server) takes effect here on the next call: a key that
/// left the file is refused at once, and its cached secret is zeroed as soon as no decision in flight uses it.
/// Rotations take the folder's <c>provider.lock</c>, so two processes never start two rotations at once.
/// </remarks>
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
    private readonly ConcurrentDictionary<string, Lazy<SharedDecider>> _deciders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TemplateSealVerifier> _sealVerifiers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private TemplateSealer? _sealer;
    private ProviderSnapshot _snapshot;

    private KeyHolderService(KeyManagementService keys, KeyHolderState decisions, ComparisonAttestationVerifier attestations, KeyHolderOptions options, string stateFile, byte[] state)
    {
        _keys = keys;
        _decisions = decisions;
        _attestations = attestations;
        _options = options;
        _stateFile = stateFile;
        _snapshot = new ProviderSnapshot(state, Parse(state));
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
                if (!File.Exists(stateFile))
                {
                    var created = new ProviderKeyIds(options.ProviderId, CreateEncryptionKey(keys, decisions, options), keys.CreateSealingKey(options.ProviderId));
                    OwnerOnlyFiles.WriteAtomically(stateFile, JsonSerializer.SerializeToUtf8Bytes(created));
                }

                return new KeyHolderService(keys, decisions, attestations, options, stateFile, File.ReadAllBytes(stateFile));
            }
        }
        catch
        {
            decisions?.Dispose();
            keys.Dispose();
            throw;
        }
    }

    /// <summary>The provider's current key ids, as the folder's <c>provider.json</c> holds them now (another process may have rotated them).</summary>
    /// <exception cref="InvalidDataException"><c>provider.json</c> was deleted or is not a key holder's state.</exception>
    public ProviderKeyIds Provider => Current().State;

    /// <summary>Decisions made under the current encryption key (a count; exact decisions need no budget).</summary>
    public long DecisionCount => _decisions.Decisions(Provider.EncryptionKeyId);

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
        var snapshot = Current();
        if (snapshot.Material is { } cached)
        {
            return Task.FromResult(cached);
        }

        // Read from the key files once per state: the public key alone is a quarter of a megabyte.
        var state = snapshot.State;
        var previous = state.PreviousEncryptionKeyId is { } encryption && state.PreviousSealingKeyId is { } sealing ? Generation(encryption, sealing) : null;
        snapshot.Material = new ProviderPublicMaterial(state.ProviderId, Generation(state.EncryptionKeyId, state.SealingKeyId), previous);
        return Task.FromResult(snapshot.Material);
    }

    /// <inheritdoc/>
    public Task<EvaluationKeyMaterial> GetEvaluationKeysAsync(string encryptionKeyId, CancellationToken cancellationToken)
    {
        EnsureProviderKey(Current().State, encryptionKeyId);
        var (relinearization, galois) = _keys.ReadEvaluationKeys(encryptionKeyId);
        return Task.FromResult(new EvaluationKeyMaterial(relinearization, galois));
    }

    /// <inheritdoc/>
    public Task<byte[]> GetRotationKeyAsync(string fromEncryptionKeyId, string toEncryptionKeyId, CancellationToken cancellationToken)
    {
        var state = Current().State;
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
            var state = Current().State;
            if (request.EncryptionKeyId != state.EncryptionKeyId)
            {
                throw new KeyRevokedException(request.EncryptionKeyId);
            }

            if (_sealer?.KeyId != state.SealingKeyId)
            {
                _sealer?.Dispose();
                _sealer = _keys.OpenSealer(state.SealingKeyId);
            }

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
        EnsureProviderKey(Current().State, request.EncryptionKeyId);
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
        var state = Current().State;
        EnsureProviderKey(state, reference.EncryptionKeyId);
        try
        {
            SealVerifier(state, reference.EncryptionKeyId).Verify(reference, comparison.SealingKeyId, comparison.Seal);
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
            var match = keyHolder.Decide(reference.EncryptionKeyId, result);
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
        // Another process may have begun (or finished) a rotation: it is resumed, never started twice.
        using (ProcessLock.Acquire(RotationLockPath, cancellationToken))
        {
            lock (_gate)
            {
                var state = Current().State;
                if (!state.Rotating)
                {
                    var encryption = CreateEncryptionKey(_keys, _decisions, _options with { ProviderId = state.ProviderId });
                    var sealing = _keys.CreateSealingKey(state.ProviderId);
                    _keys.CreateRotationKey(state.EncryptionKeyId, encryption);
                    Commit(new ProviderKeyIds(state.ProviderId, encryption, sealing, state.EncryptionKeyId, state.SealingKeyId));
                }
            }
        }

        return GetPublicMaterialAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task CompleteRotationAsync(CancellationToken cancellationToken)
    {
        using (ProcessLock.Acquire(RotationLockPath, cancellationToken))
        {
            lock (_gate)
            {
                var state = Current().State;
                if (state is { PreviousEncryptionKeyId: { } encryption, PreviousSealingKeyId: { } sealing })
                {
                    // State first: after a crash between the two steps the old keys are unused, and revoking them again is harmless.
                    Commit(state with { PreviousEncryptionKeyId = null, PreviousSealingKeyId = null });
                    RevokeIfActive(encryption);
                    RevokeIfActive(sealing);
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
            foreach (var id in _deciders.Keys)
            {
                Retire(id);
            }

            _sealVerifiers.Clear();
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

    private string RotationLockPath => Path.Combine(Path.GetDirectoryName(_stateFile)!, "provider.lock");

    private void Commit(ProviderKeyIds state)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(state);
        OwnerOnlyFiles.WriteAtomically(_stateFile, bytes);
        Adopt(bytes);
    }

    /// <summary>
    /// The provider's state as <c>provider.json</c> holds it now. Unchanged (the usual case) it is the snapshot in memory;
    /// changed by another process, it replaces it and the caches of keys that left it are dropped.
    /// </summary>
    private ProviderSnapshot Current()
    {
        var snapshot = Volatile.Read(ref _snapshot);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(_stateFile);
        }
        catch (FileNotFoundException)
        {
            throw new InvalidDataException($"{_stateFile} is missing: the key holder's folder was altered. No key is used until it is restored.");
        }

        return bytes.AsSpan().SequenceEqual(snapshot.Bytes) ? snapshot : Adopt(bytes);
    }

    /// <summary>Makes <paramref name="bytes"/> (the state file's content) the state in memory; retires the sealer, seal verifiers and deciders of keys no longer in it.</summary>
    private ProviderSnapshot Adopt(byte[] bytes)
    {
        lock (_gate)
        {
            if (bytes.AsSpan().SequenceEqual(_snapshot.Bytes))
            {
                return _snapshot;
            }

            var state = Parse(bytes);
            var snapshot = new ProviderSnapshot(bytes, state);
            Volatile.Write(ref _snapshot, snapshot);
            if (_sealer is { } sealer && sealer.KeyId != state.SealingKeyId)
            {
                sealer.Dispose();
                _sealer = null;
            }

            foreach (var id in _sealVerifiers.Keys.Where(id => id != state.SealingKeyId && id != state.PreviousSealingKeyId))
            {
                _sealVerifiers.TryRemove(id, out _);
            }

            foreach (var id in _deciders.Keys.Where(id => id != state.EncryptionKeyId && id != state.PreviousEncryptionKeyId))
            {
                Retire(id);
            }

            return snapshot;
        }
    }

    private static ProviderKeyIds Parse(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize<ProviderKeyIds>(bytes) is { ProviderId: not null, EncryptionKeyId: not null, SealingKeyId: not null } state
                ? state
                : throw new InvalidDataException("The key holder's provider.json names no keys.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("The key holder's provider.json is not a key holder's state.", e);
        }
    }

    /// <summary>Drops a key's decider; its secret key is zeroed once the decisions in flight are done with it.</summary>
    private void Retire(string encryptionKeyId)
    {
        if (_deciders.TryRemove(encryptionKeyId, out var retired) && retired.IsValueCreated)
        {
            retired.Value.Dispose();
        }
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

    private TemplateSealVerifier SealVerifier(ProviderKeyIds state, string encryptionKeyId)
    {
        var sealingKeyId = encryptionKeyId == state.EncryptionKeyId ? state.SealingKeyId : state.PreviousSealingKeyId ?? throw new KeyRevokedException(encryptionKeyId);
        return _sealVerifiers.GetOrAdd(sealingKeyId, _keys.OpenSealVerifier);
    }

    private static void EnsureProviderKey(ProviderKeyIds state, string encryptionKeyId)
    {
        if (encryptionKeyId is null || (encryptionKeyId != state.EncryptionKeyId && encryptionKeyId != state.PreviousEncryptionKeyId))
        {
            throw new KeyRevokedException(encryptionKeyId ?? string.Empty);
        }
    }

    private SharedDecider Decider(string encryptionKeyId)
    {
        var lazy = _deciders.GetOrAdd(encryptionKeyId, id => new Lazy<SharedDecider>(() => new SharedDecider(CreateDecider(id)), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A missing or altered state is not cached: once it is restored, the next decision opens the key again.
            _deciders.TryRemove(new KeyValuePair<string, Lazy<SharedDecider>>(encryptionKeyId, lazy));
            throw;
        }
    }

    private DecisionKeyHolder CreateDecider(string encryptionKeyId)
    {
        // The state was created with the key; a key without one is tampering, never a reason to start a new count.
        _ = _decisions.Decisions(encryptionKeyId);
        return new DecisionKeyHolder(_keys.OpenDecryptionKey(encryptionKeyId));
    }

    /// <summary>The content of <c>provider.json</c> this process last read, its key ids, and the public material built from them (once).</summary>
    private sealed class ProviderSnapshot(byte[] bytes, ProviderKeyIds state)
    {
        public byte[] Bytes { get; } = bytes;

        public ProviderKeyIds State { get; } = state;

        public ProviderPublicMaterial? Material { get; set; }
    }

    /// <summary>
    /// A key's decider, shared by concurrent decisions. Retiring it refuses new decisions at once and zeroes the secret
    /// key when the last decision in flight is done with it, never under one.
    /// </summary>
    private sealed class SharedDecider(DecisionKeyHolder decider) : IDisposable
    {
        private int _users;
        private int _retired;
        private int _disposed;

        public bool Decide(string encryptionKeyId, IReadOnlyList<BgvCiphertext> result)
        {
            // Full fences on both sides (Dekker): either this sees the retirement, or the retirement sees this user.
            Interlocked.Increment(ref _users);
            try
            {
                return Volatile.Read(ref _retired) == 0 ? decider.Decide(result) : throw new KeyRevokedException(encryptionKeyId);
            }
            finally
            {
                if (Interlocked.Decrement(ref _users) == 0 && Volatile.Read(ref _retired) != 0)
                {
                    Zero();
                }
            }
        }

        /// <summary>Retires the decider.</summary>
        public void Dispose()
        {
            Interlocked.Exchange(ref _retired, 1);
            if (Volatile.Read(ref _users) == 0)
            {
                Zero();
            }
        }

        private void Zero()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                decider.Dispose();
            }
        }
    }
}
