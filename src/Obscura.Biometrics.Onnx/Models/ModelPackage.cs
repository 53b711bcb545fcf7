namespace Obscura.Biometrics.Onnx.Models;

/// <summary>A published package (npm tarball) that holds a model's source files, pinned by the tarball's SHA-256.</summary>
/// <param name="Name">The registry name, e.g. <c>@vladmandic/face-api</c>.</param>
/// <param name="Version">The exact version.</param>
/// <param name="TarballUrl">Where the registry serves the tarball.</param>
/// <param name="TarballSha256">Lower-case hex SHA-256 of the tarball as published; anything else is refused.</param>
/// <param name="Licence">The package's licence (SPDX id).</param>
public sealed record ModelPackage(string Name, string Version, Uri TarballUrl, string TarballSha256, string Licence)
{
    /// <summary>The file name <c>npm pack</c> gives the tarball (scope '@' dropped, '/' replaced by '-').</summary>
    public string TarballFileName => $"{Name.TrimStart('@').Replace('/', '-')}-{Version}.tgz";
}
