namespace Obscura.ModelPrivacy.Data;

/// <summary>Labelled images as flat vectors of pixel values scaled to [0, 1].</summary>
public sealed class ImageDataset
{
    /// <summary>Creates a dataset; every image has <paramref name="pixels"/> values and every label is below <paramref name="classes"/>.</summary>
    /// <exception cref="ArgumentException">Shapes or labels do not match.</exception>
    public ImageDataset(float[][] images, int[] labels, int pixels, int classes)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Length != labels.Length || images.Any(i => i.Length != pixels) || labels.Any(l => l < 0 || l >= classes))
        {
            throw new ArgumentException("One label in [0, classes) per image, and every image has the same size.", nameof(images));
        }

        if (images.Any(i => i.Any(v => !float.IsFinite(v))))
        {
            throw new ArgumentException("Pixel values are finite numbers.", nameof(images));
        }

        Images = images;
        Labels = labels;
        Pixels = pixels;
        Classes = classes;
    }

    /// <summary>The images, each <see cref="Pixels"/> values in [0, 1].</summary>
    public IReadOnlyList<float[]> Images { get; }

    /// <summary>The class of each image.</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>Values per image.</summary>
    public int Pixels { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>The number of images.</summary>
    public int Count => Labels.Count;

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return new ImageDataset([.. indices.Select(i => (float[])Images[i])], [.. indices.Select(i => Labels[i])], Pixels, Classes);
    }

    /// <summary>The first <paramref name="count"/> images.</summary>
    public ImageDataset Take(int count) =>
        count >= Count ? this : new ImageDataset([.. Images.Take(count)], [.. Labels.Take(count)], Pixels, Classes);
}
