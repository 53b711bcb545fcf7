using Obscura.ModelPrivacy.Data;

namespace Obscura.ModelPrivacy.Tests;

/// <summary>The committed Fashion-MNIST cut (3,000 training and 1,000 test images; data/fashion-mnist/SOURCES.md).</summary>
internal static class FashionMnistSubset
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist");

    public static ImageDataset Train { get; } = IdxReader.Load(Folder, "train");

    public static ImageDataset Test { get; } = IdxReader.Load(Folder, "t10k");
}
