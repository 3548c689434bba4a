using Downhill.Mpi.TestProgram;

// The program the MPI tests start under mpirun: trains Classifier on fixed data and writes each rank's parameters.
// Usage: Downhill.Mpi.TestProgram --out DIR [--comm none|single|mpi] [--npy DIR] [--checkpoint FILE] [--max-updates N]
//        [--fault-rank R --fault-epoch E --fault kill|throw|hang] [--bucketed true] [--timeout SECONDS] [--segment-bytes N]
//        Downhill.Mpi.TestProgram --write-npy DIR
if (args.Length == 2 && args[0] == "--write-npy")
{
    Training.WriteNpy(args[1]);
    return 0;
}

Training.Run(RunSettings.Parse(args));
return 0;
