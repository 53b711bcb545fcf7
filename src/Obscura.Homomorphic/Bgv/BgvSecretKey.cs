using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// A BGV secret key: a uniform ternary polynomial s, held in NTT form modulo every q_i and P. Never printed;
/// serialised only by the explicit <see cref="BgvSerializer.ExportSecretKey"/>. <see cref="Dispose"/> zeroes it, and a
/// disposed key cannot be used again.
/// </summary>
public sealed class BgvSecretKey : IDisposable
{
    private readonly RnsPolynomial _s;
    private bool _disposed;

    internal BgvSecretKey(BgvParameters parameters, RnsPolynomial s)
    {
        Parameters = parameters;
        _s = s;
    }

    /// <summary>The parameter set the key belongs to.</summary>
    public BgvParameters Parameters { get; }

    internal RnsPolynomial S
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _s;
        }
    }

    /// <summary>Zeroes the key; later use throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _s.Clear();
        }
    }

    /// <inheritdoc />
    public override string ToString() => "BgvSecretKey(hidden)";
}
