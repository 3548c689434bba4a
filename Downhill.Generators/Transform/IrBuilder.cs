using System;
using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

/// <summary>
/// Collects the locals and statements of a function being written by a transformation, folding operations
/// on constants so that derivative rules stay short (x·1 is x, 2·3 is 6).
/// </summary>
internal sealed class IrBuilder
{
    private readonly Dictionary<string, IrType> types;
    private readonly List<IrLocal> locals = [];
    private int temps;

    public IrBuilder(IEnumerable<IrParam> parameters, IEnumerable<IrLocal> existingLocals, string tempPrefix)
    {
        types = [];
        foreach (var p in parameters)
        {
            types[p.Name] = p.Type;
        }

        foreach (var l in existingLocals)
        {
            types[l.Name] = l.Type;
            locals.Add(l);
        }

        TempPrefix = tempPrefix;
    }

    public string TempPrefix { get; }

    public List<Stmt> Out { get; set; } = [];

    public IReadOnlyList<IrLocal> Locals => locals;

    public IrType TypeOf(Atom a) => a.Var is null ? a.ConstType : types[a.Var];

    public IrType TypeOf(string name) => types[name];

    public bool Has(string name) => types.ContainsKey(name);

    public void Declare(string name, IrType type)
    {
        if (!types.ContainsKey(name))
        {
            types[name] = type;
            locals.Add(new IrLocal(name, type));
        }
    }

    public void DeclareParam(string name, IrType type) => types[name] = type;

    public string Temp(IrType type)
    {
        string name;
        do
        {
            name = TempPrefix + temps++;
        }
        while (types.ContainsKey(name));

        Declare(name, type);
        return name;
    }

    public void Add(Stmt s) => Out.Add(s);

    /// <summary>Appends <c>op(args)</c> to a fresh temporary (or folds it) and returns its value.</summary>
    public Atom Op(Op op, IrType type, params Atom[] args)
    {
        var folded = Fold(op, type, args);
        if (folded is { } f)
        {
            return f;
        }

        var t = Temp(type);
        Out.Add(new Assign(t, op, new EquatableArray<Atom>(args)));
        return Atom.Of(t);
    }

    public Atom Mul(Atom a, Atom b) => Op(Ir.Op.Mul, IrType.Real, a, b);

    public Atom Add(Atom a, Atom b) => Op(Ir.Op.Add, IrType.Real, a, b);

    public Atom Sub(Atom a, Atom b) => Op(Ir.Op.Sub, IrType.Real, a, b);

    public Atom Div(Atom a, Atom b) => Op(Ir.Op.Div, IrType.Real, a, b);

    public Atom Neg(Atom a) => Op(Ir.Op.Neg, IrType.Real, a);

    private static Atom? Fold(Op op, IrType type, Atom[] args)
    {
        static bool IsConst(Atom a, double v) => a.IsConst && a.Value == v;

        switch (op)
        {
            case Ir.Op.Mul when type == IrType.Real:
                if (IsConst(args[0], 1))
                {
                    return args[1];
                }

                if (IsConst(args[1], 1))
                {
                    return args[0];
                }

                break;
            case Ir.Op.Add when type == IrType.Real:
                if (IsConst(args[0], 0))
                {
                    return args[1];
                }

                if (IsConst(args[1], 0))
                {
                    return args[0];
                }

                break;
            case Ir.Op.Sub when type == IrType.Real && IsConst(args[1], 0):
                return args[0];
            case Ir.Op.Div when type == IrType.Real && IsConst(args[1], 1):
                return args[0];
            case Ir.Op.Copy:
                return args[0];
        }

        if (!args.All(a => a.IsConst) || type != IrType.Real)
        {
            return null;
        }

        double x = args[0].Value;
        double y = args.Length > 1 ? args[1].Value : 0;
        double? value = op switch
        {
            Ir.Op.Neg => -x,
            Ir.Op.Add => x + y,
            Ir.Op.Sub => x - y,
            Ir.Op.Mul => x * y,
            Ir.Op.Div => x / y,
            _ => null,
        };
        return value is { } v && !double.IsNaN(v) && !double.IsInfinity(v) ? Atom.Real(v) : null;
    }
}

/// <summary>
/// The derivative rules, written as IR so that differentiating a derivative (forward over reverse) uses
/// the same rules again. Both transformations get their partials here: one place to get them right.
/// </summary>
internal static class Rules
{
    /// <summary>Real operations that the JIT compiles to a call of the C runtime or of <c>Fn</c> (not to an instruction).</summary>
    public static bool IsCall(Op op) => OpInfo.Of(op).IsCall;

    /// <summary>Whether the result of <paramref name="op"/> is differentiated (not for integers, comparisons, rounding).</summary>
    public static bool IsDifferentiable(Op op) => OpInfo.Of(op).Differentiable;

    /// <summary>
    /// Emits the partial derivatives of <c>y = op(args)</c> with respect to each argument that
    /// <paramref name="wanted"/> selects; null where the partial is not wanted. Reads the result
    /// <paramref name="y"/>, the arguments, and nothing else.
    /// </summary>
    public static Atom?[] Partials(IrBuilder b, Op op, EquatableArray<Atom> args, Atom y, Func<int, bool> wanted)
    {
        var p = new Atom?[args.Count];
        Atom a = args[0];
        Atom one = Atom.Real(1);
        Atom Sq(Atom v) => b.Mul(v, v);
        Atom Call(Op f, Atom v) => b.Op(f, IrType.Real, v);
        Atom Select(Atom c, Atom t, Atom f) => b.Op(Op.Select, IrType.Real, c, t, f);
        Atom Cmp(Op c, Atom l, Atom r) => b.Op(c, IrType.Bool, l, r);

        if (op == Op.Select)
        {
            if (wanted(1))
            {
                p[1] = Select(args[0], one, Atom.Real(0));
            }

            if (wanted(2))
            {
                p[2] = Select(args[0], Atom.Real(0), one);
            }

            return p;
        }

        if (!wanted(0) && (args.Count < 2 || !wanted(1)))
        {
            return p;
        }

        switch (op)
        {
            case Op.Copy:
                p[0] = one;
                break;
            case Op.Neg:
                p[0] = Atom.Real(-1);
                break;
            case Op.Add:
                p[0] = one;
                p[1] = one;
                break;
            case Op.Sub:
                p[0] = one;
                p[1] = Atom.Real(-1);
                break;
            case Op.Mul:
                p[0] = args[1];
                p[1] = args[0];
                break;
            case Op.Div:
                if (wanted(0))
                {
                    p[0] = b.Div(one, args[1]);
                }

                if (wanted(1))
                {
                    p[1] = b.Neg(b.Div(y, args[1]));
                }

                break;
            case Op.Exp:
                p[0] = y;
                break;
            case Op.Log:
                p[0] = b.Div(one, a);
                break;
            case Op.Log2:
                p[0] = b.Div(one, b.Mul(a, Atom.Real(Math.Log(2))));
                break;
            case Op.Log10:
                p[0] = b.Div(one, b.Mul(a, Atom.Real(Math.Log(10))));
                break;
            case Op.Sqrt:
                p[0] = b.Div(Atom.Real(0.5), y);
                break;
            case Op.Cbrt:
                p[0] = b.Div(one, b.Mul(Atom.Real(3), Sq(y)));
                break;
            case Op.Sin:
                p[0] = Call(Op.Cos, a);
                break;
            case Op.Cos:
                p[0] = b.Neg(Call(Op.Sin, a));
                break;
            case Op.Tan:
                p[0] = b.Add(one, Sq(y));
                break;
            case Op.Asin:
                p[0] = b.Div(one, Call(Op.Sqrt, b.Sub(one, Sq(a))));
                break;
            case Op.Acos:
                p[0] = b.Neg(b.Div(one, Call(Op.Sqrt, b.Sub(one, Sq(a)))));
                break;
            case Op.Atan:
                p[0] = b.Div(one, b.Add(one, Sq(a)));
                break;
            case Op.Sinh:
                p[0] = Call(Op.Cosh, a);
                break;
            case Op.Cosh:
                p[0] = Call(Op.Sinh, a);
                break;
            case Op.Tanh:
                p[0] = b.Sub(one, Sq(y));
                break;
            case Op.Asinh:
                p[0] = b.Div(one, Call(Op.Sqrt, b.Add(Sq(a), one)));
                break;
            case Op.Acosh:
                p[0] = b.Div(one, Call(Op.Sqrt, b.Sub(Sq(a), one)));
                break;
            case Op.Atanh:
                p[0] = b.Div(one, b.Sub(one, Sq(a)));
                break;
            case Op.Abs:
                // One-sided at 0: the slope of the right side.
                p[0] = Select(Cmp(Op.Lt, a, Atom.Real(0)), Atom.Real(-1), one);
                break;
            case Op.Sigmoid:
                p[0] = b.Mul(y, b.Sub(one, y));
                break;
            case Op.LogSigmoid:
                p[0] = Call(Op.Sigmoid, b.Neg(a));
                break;
            case Op.Softplus:
                p[0] = Call(Op.Sigmoid, a);
                break;
            case Op.Relu:
                p[0] = Select(Cmp(Op.Gt, a, Atom.Real(0)), one, Atom.Real(0));
                break;
            case Op.Square:
                p[0] = b.Mul(Atom.Real(2), a);
                break;
            case Op.Log1P:
                p[0] = b.Div(one, b.Add(one, a));
                break;
            case Op.Expm1:
                p[0] = b.Add(y, one);
                break;
            case Op.Pow:
            {
                var e = args[1];
                if (wanted(0))
                {
                    // d/da a^e = e·a^(e-1), taken as 0 when e = 0 (so d/dx x^0 = 0 at x = 0 too).
                    var slope = b.Mul(e, b.Op(Op.Pow, IrType.Real, a, b.Sub(e, one)));
                    p[0] = e.IsConst ? (e.Value == 0 ? Atom.Real(0) : slope) : Select(Cmp(Op.Eq, e, Atom.Real(0)), Atom.Real(0), slope);
                }

                if (wanted(1))
                {
                    // d/de a^e = a^e·ln a, for a > 0 (0 elsewhere, where the power is not differentiable in e).
                    p[1] = Select(Cmp(Op.Gt, a, Atom.Real(0)), b.Mul(y, Call(Op.Log, a)), Atom.Real(0));
                }

                break;
            }

            case Op.Atan2:
            {
                var r = b.Add(Sq(args[0]), Sq(args[1]));
                if (wanted(0))
                {
                    p[0] = b.Div(args[1], r);
                }

                if (wanted(1))
                {
                    p[1] = b.Neg(b.Div(args[0], r));
                }

                break;
            }

            case Op.Max:
            case Op.Min:
            {
                // Ties go to the first argument, so d/dx max(x, x) = 1.
                if (args[0] == args[1])
                {
                    p[0] = one;
                    p[1] = Atom.Real(0);
                    break;
                }

                var first = Cmp(op == Op.Max ? Op.Ge : Op.Le, args[0], args[1]);
                p[0] = Select(first, one, Atom.Real(0));
                p[1] = Select(first, Atom.Real(0), one);
                break;
            }

            case Op.LogSumExp2:
                p[0] = Call(Op.Sigmoid, b.Sub(args[0], args[1]));
                p[1] = Call(Op.Sigmoid, b.Sub(args[1], args[0]));
                break;
            default:
                throw new InvalidOperationException($"No derivative rule for {op}.");
        }

        for (int k = 0; k < p.Length; k++)
        {
            if (!wanted(k))
            {
                p[k] = null;
            }
        }

        return p;
    }
}
