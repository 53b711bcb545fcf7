using System.Collections.Concurrent;
using System.Text.Json;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Security.Files;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// The key-management role over a key store: the only holder of the provider's homomorphic secret keys and sealing
/// private keys. It seals digests, decides blinded comparisons with flooded decryption under a persistent budget, and
/// rotates keys. The current key ids (and, during a rotation, the previous ones) are kept in a state file written
/// atomically, so a crash mid-rotation leaves a rotation that the next call resumes.
/// </summary>
public sealed class KeyHolderService : IKeyHolderRole, IDisposable
{
    private readonly KeyManagementService _keys;
    private readonly string _stateFile;
    private readonly NoiseFloodingPolicyChoice _flooding;
    private readonly ConcurrentDictionary<string, Lazy<DecisionKeyHolder>> _deciders = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private TemplateSealer? _sealer;
    private ProviderKeyIds _state;

    private KeyHolderService(KeyManagementService keys, string stateFile, ProviderKeyIds state, NoiseFloodingPolicyChoice flooding)
    {
        _keys = keys;
        _stateFile = stateFile;
        _state = state;
        _flooding = flooding;
    }

    /// <summary>
    /// Opens the key holder whose state is <paramref name="stateFile"/> in <paramref name="keys"/>, creating the
    /// provider's first keys when the file does not exist.
    /// </summary>
    public static KeyHolderService Open(KeyManagementService keys, string stateFile, NoiseFloodingPolicyChoice flooding, string providerId = "embedded")
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentException.ThrowIfNullOrWhiteSpace(stateFile);
        ArgumentNullException.ThrowIfNull(flooding);
        ProviderKeyIds state;
        if (File.Exists(stateFile))
        {
            state = JsonSerializer.Deserialize<ProviderKeyIds>(File.ReadAllBytes(stateFile)) ?? throw new InvalidDataException($"{stateFile} is empty.");
        }
        else
        {
            state = keys.CreateProviderKeys(providerId);
            OwnerOnlyFiles.WriteAtomically(stateFile, JsonSerializer.SerializeToUtf8Bytes(state));
        }

        return new KeyHolderService(keys, stateFile, state, flooding);
    }

    /// <summary>The provider's current key ids.</summary>
    public ProviderKeyIds Provider => _state;

    /// <summary>The flooding policy of the current encryption key (calibrated at its first use); its MaxDecryptions is the key's decision budget.</summary>
    public Homomorphic.Ckks.NoiseFloodingPolicy FloodingPolicy => Decider(_state.EncryptionKeyId).Policy;

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
    public Task<bool> DecideAsync(string encryptionKeyId, byte[] encryptedComparison, CancellationToken cancellationToken)
    {
        EnsureProviderKey(encryptionKeyId);
        return Task.FromResult(Decider(encryptionKeyId).Decide(encryptedComparison));
    }

    /// <inheritdoc/>
    public Task<ProviderPublicMaterial> BeginRotationAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_state.Rotating)
            {
                var encryption = _keys.CreateEncryptionKey(_state.ProviderId);
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
            foreach (var decider in _deciders.Values.Where(d => d.IsValueCreated))
            {
                decider.Value.Dispose();
            }

            _deciders.Clear();
        }
    }

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

    private void EnsureProviderKey(string encryptionKeyId)
    {
        var state = _state;
        if (encryptionKeyId != state.EncryptionKeyId && encryptionKeyId != state.PreviousEncryptionKeyId)
        {
            throw new KeyRevokedException(encryptionKeyId);
        }
    }

    private DecisionKeyHolder Decider(string encryptionKeyId) =>
        _deciders.GetOrAdd(encryptionKeyId, id => new Lazy<DecisionKeyHolder>(() => CreateDecider(id), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private DecisionKeyHolder CreateDecider(string encryptionKeyId)
    {
        var secret = _keys.OpenDecryptionKey(encryptionKeyId);

        // A key's policy is fixed at its first use and reused after restarts, so every decryption under it used one σ.
        var policy = _keys.ReadFloodingPolicy(encryptionKeyId);
        if (policy is null)
        {
            policy = DecisionKeyHolder.Calibrate(secret, _flooding.MaxDecryptions, _flooding.MaxDecisionNoise, _flooding.CalibrationTrials);
            _keys.SaveFloodingPolicy(encryptionKeyId, policy);
        }

        return new DecisionKeyHolder(secret, policy, _keys.DecryptionBudget(encryptionKeyId, policy.MaxDecryptions));
    }
}
