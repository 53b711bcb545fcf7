using System.Diagnostics.CodeAnalysis;

namespace Obscura.Governance.Internal;

/// <summary>The one place caller bugs are turned into exceptions, so messages stay uniform and never echo secrets.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void Argument(string paramName, string message) => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ArgumentOutOfRange(string paramName, string message) => throw new ArgumentOutOfRangeException(paramName, message);

    [DoesNotReturn]
    public static T Argument<T>(string paramName, string message) => throw new ArgumentException(message, paramName);
}
