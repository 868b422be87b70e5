// Control module: placeholder until its issue lands.
