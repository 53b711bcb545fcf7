namespace Obscura.Vault;

/// <summary>The result of a consistency check of the vault (run after recovery).</summary>
/// <param name="Objects">Stored objects checked.</param>
/// <param name="Readable">Those that decrypted and matched their catalogue entry.</param>
/// <param name="Problems">One line per problem: unreadable object, missing key or file, leftover temporary file, orphan file.</param>
/// <param name="InFlight">Ingests that live processes (this one included) are in the middle of: not problems, and left alone.</param>
public sealed record VaultCheckReport(int Objects, int Readable, IReadOnlyList<string> Problems, int InFlight)
{
    /// <summary>Whether nothing is wrong.</summary>
    public bool Consistent => Problems.Count == 0 && Readable == Objects;
}
