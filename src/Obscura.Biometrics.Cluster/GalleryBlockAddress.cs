using System.Buffers;
using System.Globalization;

namespace Obscura.Biometrics.Cluster;

/// <summary>
/// Where a gallery block lives in the cluster: the gallery key's id, the template dimension and the block's index. Its
/// <see cref="Key"/> (<c>gtk_…/d/i</c>) is the block grain's key and the block's name in the store; <see cref="Parse"/>
/// refuses anything else, so a grain never reads or writes outside its own block.
/// </summary>
/// <param name="GalleryKeyId">The gallery key's id (<c>gtk_</c> and lower-case hex).</param>
/// <param name="Dimension">The template dimension.</param>
/// <param name="Index">The block's index, from 0.</param>
public readonly record struct GalleryBlockAddress(string GalleryKeyId, int Dimension, int Index)
{
    /// <summary>The most blocks one gallery is sharded into: 2^20 blocks of 8192 templates, over 8·10^9 templates.</summary>
    public const int MaxBlocks = 1 << 20;

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    /// <summary>The grain key and store name: <c>{GalleryKeyId}/{Dimension}/{Index}</c>.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture, $"{GalleryKeyId}/{Dimension}/{Index}");

    /// <summary>The gallery's own key, without the index: the index grain's key.</summary>
    public string GalleryKey => string.Create(CultureInfo.InvariantCulture, $"{GalleryKeyId}/{Dimension}");

    /// <summary>Reads a block grain's key.</summary>
    /// <exception cref="ArgumentException">Not <c>gtk_&lt;hex&gt;/&lt;dimension 128…512&gt;/&lt;index 0…2^20 − 1&gt;</c>.</exception>
    public static GalleryBlockAddress Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('/');
        if (parts.Length != 3 || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= MaxBlocks)
        {
            throw new ArgumentException("A block's key is <gallery key id>/<dimension>/<index>.", nameof(key));
        }

        return ForGallery(parts[0] + "/" + parts[1], index);
    }

    /// <summary>The address of block <paramref name="index"/> of the gallery whose own key is <paramref name="galleryKey"/> (<c>gtk_…/d</c>).</summary>
    /// <exception cref="ArgumentException">The gallery key or index is malformed.</exception>
    public static GalleryBlockAddress ForGallery(string galleryKey, int index)
    {
        ArgumentNullException.ThrowIfNull(galleryKey);
        var parts = galleryKey.Split('/');
        if (parts.Length != 2 || !IsGalleryKeyId(parts[0])
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var dimension)
            || dimension is < Templates.FaceTemplate.MinDimension or > Templates.FaceTemplate.MaxDimension
            || index is < 0 or >= MaxBlocks)
        {
            throw new ArgumentException("A gallery's key is <gallery key id>/<dimension>, with a block index from 0 to 2^20 − 1.", nameof(galleryKey));
        }

        return new GalleryBlockAddress(parts[0], dimension, index);
    }

    private static bool IsGalleryKeyId(string id) =>
        id.Length is > 4 and <= 68 && id.StartsWith("gtk_", StringComparison.Ordinal) && id.AsSpan(4).IndexOfAnyExcept(LowerHex) < 0;
}
