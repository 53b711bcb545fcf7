using System.Collections.Concurrent;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Templates;
using Obscura.Governance.Purposes;

namespace Obscura.Biometrics.Identification;

/// <summary>
/// The transformation key of one 1:N gallery, bound to one purpose: 32 CSPRNG bytes, a public identifier (<c>gtk_…</c>)
/// and the purpose. Every template of the gallery and every probe searched against it go through its Haar-random
/// transform, so a gallery needs one key for all its entries; it is never a 1:1 enrolment's
/// <see cref="TemplateTransformationKey"/>. The transform's random stream is derived from the secret and the purpose
/// under a label of its own, so even the same 32 bytes used as a 1:1 key, or as the key of another purpose, give an
/// unrelated transform. Zeroed on dispose, never printed.
/// </summary>
/// <remarks>
/// A gallery-wide key is what lets d known (template, transformed template) pairs solve the transform and invert every
/// other entry of the gallery (see docs/biometrics.md, "1:N identification"); what such a compromise reaches is this
/// gallery only, and <see cref="EncryptedGallery.Renew"/> moves the gallery to a fresh key.
/// </remarks>
public sealed class GalleryTransformationKey : IDisposable
{
    /// <summary>Secret length in bytes.</summary>
    public const int Length = 32;

    private const string IdPrefix = "gtk_";
    private readonly byte[] _secret;
    private readonly ConcurrentDictionary<int, Lazy<double[]>> _matrices = new();
    private bool _disposed;

    private GalleryTransformationKey(string id, PurposeId purpose, byte[] secret)
    {
        Id = id;
        Purpose = purpose;
        _secret = secret;
    }

    /// <summary>The key's public identifier (recorded with the gallery).</summary>
    public string Id { get; }

    /// <summary>The purpose whose gallery the key transforms.</summary>
    public PurposeId Purpose { get; }

    /// <summary>A fresh key for <paramref name="purpose"/>.</summary>
    public static GalleryTransformationKey Generate(PurposeId purpose) =>
        new($"{IdPrefix}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}", CheckPurpose(purpose), RandomNumberGenerator.GetBytes(Length));

    /// <summary>A key from stored bytes.</summary>
    /// <exception cref="ArgumentException">Not 32 bytes, an id that is not a gallery key's (<c>gtk_…</c>), or no purpose.</exception>
    public static GalleryTransformationKey FromBytes(string id, PurposeId purpose, ReadOnlySpan<byte> secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (!id.StartsWith(IdPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A gallery transformation key's id starts with '{IdPrefix}'.", nameof(id));
        }

        if (secret.Length != Length)
        {
            throw new ArgumentException($"A gallery transformation key has {Length} bytes.", nameof(secret));
        }

        return new GalleryTransformationKey(id, CheckPurpose(purpose), secret.ToArray());
    }

    /// <summary>
    /// Applies the gallery's transform to a template (the capture side, for enrolments and probes alike): y = Q·x with the
    /// d × d matrix of the Haar-random transform (<see cref="CancelableTransform"/> under the derived key), computed on all
    /// cores at the first use for a dimension and kept with the key (zeroed on dispose). A probe then costs a
    /// matrix-vector product, not d²/2 fresh Gaussians.
    /// </summary>
    public TransformedTemplate Apply(FaceTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var d = template.Dimension;
        var q = Matrix(d);
        var x = new double[d];
        for (var j = 0; j < d; j++)
        {
            x[j] = template.Values[j];
        }

        var y = new float[d];
        for (var i = 0; i < d; i++)
        {
            y[i] = (float)Dot(q.AsSpan(i * d, d), x);
        }

        Array.Clear(x);
        return new TransformedTemplate(Id, y);
    }

    /// <summary>
    /// The transform as a d × d matrix Q (row-major: Q[i, j] at i·d + j), so that Apply(x) = Q·x. As secret as the key;
    /// the capture side needs it to transform and to renew a gallery. Shared, not copied: callers do not modify it.
    /// </summary>
    internal double[] Matrix(int dimension)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _matrices.GetOrAdd(dimension, d => new Lazy<double[]>(() => ComputeMatrix(d))).Value;
    }

    /// <summary>A copy of the secret bytes, for wrapping by a key store.</summary>
    internal byte[] ExportSecret()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return (byte[])_secret.Clone();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_secret);
        foreach (var matrix in _matrices.Values.Where(m => m.IsValueCreated))
        {
            Array.Clear(matrix.Value);
        }

        _matrices.Clear();
        _disposed = true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"GalleryTransformationKey({Id}, {Purpose.Value}, secret hidden)";

    /// <summary>
    /// The transform's key: the secret through HKDF with a label of its own and the purpose, so the stream differs from
    /// that of a 1:1 key or another purpose's key made of the same bytes. It carries this key's id.
    /// </summary>
    private TemplateTransformationKey DeriveTransformKey()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var derived = HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, TemplateTransformationKey.Length, salt: [], info: Encoding.UTF8.GetBytes($"obscura/gallery-transformation-key/v1/{Purpose.Value}"));
        try
        {
            return TemplateTransformationKey.FromBytes(Id, derived);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    private double[] ComputeMatrix(int dimension)
    {
        using var transform = DeriveTransformKey();
        var q = new double[dimension * dimension];
        Parallel.For(0, dimension, j =>
        {
            var basis = new float[dimension];
            basis[j] = 1;
            var column = CancelableTransform.Apply(transform, FaceTemplate.FromEmbedding(basis)).Values;
            for (var i = 0; i < dimension; i++)
            {
                q[(i * dimension) + j] = column[i];
            }
        });

        return q;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = Vector<double>.Zero;
        var i = 0;
        for (; i <= a.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            sum += new Vector<double>(a[i..]) * new Vector<double>(b[i..]);
        }

        var total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }

    private static PurposeId CheckPurpose(PurposeId purpose) =>
        purpose.Value is null ? throw new ArgumentException("A gallery key is bound to a purpose.", nameof(purpose)) : purpose;
}
