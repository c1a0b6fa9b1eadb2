"""The formula layer: parsing, R's term algebra, design data and make_standata, against R and
brms fixtures."""
