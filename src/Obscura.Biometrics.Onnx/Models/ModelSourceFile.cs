namespace Obscura.Biometrics.Onnx.Models;

/// <summary>One file inside a <see cref="ModelPackage"/>'s tarball that a model is built from, pinned by SHA-256.</summary>
/// <param name="Path">The path inside the package (the tarball's <c>package/</c> prefix omitted).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file.</param>
public sealed record ModelSourceFile(string Path, string Sha256);
