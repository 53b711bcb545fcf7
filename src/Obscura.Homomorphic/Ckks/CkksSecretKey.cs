using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// A CKKS secret key: a uniform ternary polynomial s, held in NTT form modulo every q_i and P. Never printed, never
/// serialised by this type; <see cref="Dispose"/> zeroes it, and a disposed key cannot be used again.
/// </summary>
public sealed class CkksSecretKey : IDisposable
{
    private readonly RnsPolynomial _s;
    private bool _disposed;

    internal CkksSecretKey(CkksParameters parameters, RnsPolynomial s)
    {
        Parameters = parameters;
        _s = s;
    }

    /// <summary>The parameter set the key belongs to.</summary>
    public CkksParameters Parameters { get; }

    internal RnsPolynomial S
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _s;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _s.Clear();
        }
    }

    /// <inheritdoc />
    public override string ToString() => "CkksSecretKey(hidden)";
}
