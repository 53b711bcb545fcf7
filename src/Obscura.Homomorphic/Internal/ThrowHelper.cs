using System.Diagnostics.CodeAnalysis;

namespace Obscura.Homomorphic.Internal;

/// <summary>The one place caller bugs become exceptions; messages never contain key material or plaintext values.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void Argument(string paramName, string message) => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ArgumentOutOfRange(string paramName, string message) => throw new ArgumentOutOfRangeException(paramName, message);
}
