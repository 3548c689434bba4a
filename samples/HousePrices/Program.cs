using HousePrices;

double dm = 0, db = 0;
double loss = House.SquaredGradient(2, 1, 3, 5, ref dm, ref db);
Console.WriteLine($"loss={loss} dm={dm} db={db}");
