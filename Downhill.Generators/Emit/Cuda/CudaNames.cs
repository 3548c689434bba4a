using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Downhill.Generators.Emit.Cuda;

/// <summary>
/// C identifiers for the CUDA translation unit. Every name the generator itself writes starts with <c>dh_</c> or
/// <c>DH_</c> (the op table's helpers and the IR's own functions keep their <c>__dh_</c>); a user's name is kept when it is plain ASCII, not a
/// keyword of C, C++ or CUDA and not in that space, and otherwise mangled into it, so no two names meet.
/// </summary>
internal static class CudaNames
{
    private static readonly HashSet<string> Keywords =
    [
        "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch", "char",
        "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr", "constinit",
        "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete", "do", "double",
        "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if",
        "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or",
        "or_eq", "private", "protected", "public", "register", "reinterpret_cast", "requires", "restrict", "return",
        "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct", "switch", "template", "this",
        "thread_local", "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual",
        "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "main", "NULL",

        // CUDA's built-in variables and qualifiers, and names the shim or math.h define as macros or functions.
        "threadIdx", "blockIdx", "blockDim", "gridDim", "warpSize", "min", "max", "abs", "isnan", "isinf", "signbit",
        "fpclassify", "isfinite", "HUGE_VAL", "INFINITY", "NAN", "errno", "assert", "offsetof",
    ];

    /// <summary>A user's or the IR's name as a C identifier.</summary>
    public static string Identifier(string name)
    {
        bool ascii = name.Length > 0 && name.All(c => c < 128 && (char.IsLetterOrDigit(c) || c == '_')) && !char.IsDigit(name[0]);
        bool ours = name.StartsWith("dh_", System.StringComparison.Ordinal) || name.StartsWith("DH_", System.StringComparison.Ordinal)
            || name.StartsWith("__cuda", System.StringComparison.Ordinal);
        if (ascii && !ours && !Keywords.Contains(name) && !IsMathName(name))
        {
            return name;
        }

        if (ascii && !ours)
        {
            return "dh_k_" + name;
        }

        var sb = new StringBuilder("dh_n");
        foreach (char c in name)
        {
            sb.Append('_').Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>The prefix of a loss's kernels: <c>dh_</c> and its schema name, <c>.</c> → <c>_</c>, <c>_</c> → <c>_1</c>, other characters as <c>_x</c> and 4 hex digits.</summary>
    public static string KernelPrefix(string schemaName)
    {
        var sb = new StringBuilder("dh_");
        foreach (char c in schemaName)
        {
            if (c < 128 && char.IsLetterOrDigit(c))
            {
                sb.Append(c);
            }
            else if (c == '.')
            {
                sb.Append('_');
            }
            else if (c == '_')
            {
                sb.Append("_1");
            }
            else
            {
                sb.Append("_x").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    // The C math library's names (sin, exp, fmaxf, ...): a user's local called 'exp' would hide the function.
    private static bool IsMathName(string name) => MathNames.Contains(name);

    private static readonly HashSet<string> MathNames = new(
        new[]
        {
            "exp", "log", "log2", "log10", "sqrt", "cbrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
            "asinh", "acosh", "atanh", "fabs", "floor", "ceil", "rint", "trunc", "log1p", "expm1", "pow", "atan2", "fmax", "fmin", "fmod",
        }.SelectMany(n => new[] { n, n + "f" }));
}
