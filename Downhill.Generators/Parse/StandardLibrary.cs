using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Downhill.Generators.Parse;

/// <summary>
/// The span functions of <c>Downhill.Fn</c> (Sum, Dot, Softmax, Cholesky, ...) are written in the loss language
/// in the runtime's own source (<c>Downhill.Runtime/Fn.*.cs</c>), compiled there for users who call them outside
/// losses, and embedded in this assembly from the same files. A user's compilation sees only their metadata, so
/// the parser reads their bodies from a small compilation of the embedded files, made once per process (per
/// core library) and kept: a call of one is then parsed like a call of the user's own [Differentiable] helper,
/// and every derivative mode, and every emitter, gets plain IR.
/// </summary>
internal static class StandardLibrary
{
    private const string ResourcePrefix = "Downhill.StdLib.";

    private static readonly object Gate = new();
    private static string? cachedKey;
    private static Compilation? cached;

    /// <summary>
    /// The library's compilation against the core library of <paramref name="user"/> (where Math, MathF and the spans
    /// live), or null when that has no metadata reference (a compilation without one cannot run the runtime anyway).
    /// </summary>
    public static Compilation? CompilationFor(Compilation user)
    {
        var corlib = user.GetSpecialType(SpecialType.System_Object).ContainingAssembly;
        if (corlib is null || user.GetMetadataReference(corlib) is not { } reference)
        {
            return null;
        }

        string key = (reference.Display ?? string.Empty) + "|" + corlib.Identity;
        lock (Gate)
        {
            if (cached is not null && cachedKey == key)
            {
                return cached;
            }

            var options = new CSharpParseOptions(LanguageVersion.Latest);
            var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText("global using System;", options, path: "GlobalUsings.cs") };
            var assembly = typeof(StandardLibrary).Assembly;
            foreach (string name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).OrderBy(n => n, StringComparer.Ordinal))
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                trees.Add(CSharpSyntaxTree.ParseText(reader.ReadToEnd(), options, path: name.Substring(ResourcePrefix.Length)));
            }

            cached = CSharpCompilation.Create(
                "Downhill.StandardLibrary",
                trees,
                [reference],
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
            cachedKey = key;
            return cached;
        }
    }

    /// <summary>Whether <paramref name="method"/> is one of the library's functions as the user's compilation sees it (metadata of <c>Downhill.Fn</c>).</summary>
    public static bool IsLibraryFunction(IMethodSymbol method) =>
        method.ContainingType?.ToDisplayString() == WellKnownTypeNames.Fn && method.DeclaringSyntaxReferences.Length == 0;

    /// <summary>The declaration in the library's compilation of the function that <paramref name="method"/> (metadata) names, or null.</summary>
    public static IMethodSymbol? SourceOf(Compilation user, IMethodSymbol method)
    {
        if (CompilationFor(user)?.GetTypeByMetadataName(WellKnownTypeNames.Fn) is not { } fn)
        {
            return null;
        }

        var signature = method.Parameters.Select(p => p.Type.ToDisplayString()).ToList();
        return fn.GetMembers(method.Name).OfType<IMethodSymbol>()
            .FirstOrDefault(m => m.Parameters.Length == signature.Count && m.Parameters.Select(p => p.Type.ToDisplayString()).SequenceEqual(signature)
                && m.ReturnType.ToDisplayString() == method.ReturnType.ToDisplayString());
    }

    /// <summary>The compilation that holds <paramref name="tree"/>: the user's, or the library's.</summary>
    public static Compilation Holding(Compilation user, SyntaxTree tree) =>
        user.ContainsSyntaxTree(tree) ? user : CompilationFor(user) is { } library && library.ContainsSyntaxTree(tree) ? library : user;
}
