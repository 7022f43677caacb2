"""Fixed vocabularies: cuisines with their dishes and base prices, restaurant name parts.

Plain data, kept apart from the generators so the names are easy to read and change. Prices
are in pence. No name contains a comma, quote or backslash, so they can be written into CSV,
JSON and SQL without escaping.
"""

from __future__ import annotations

CUISINES: dict[str, list[tuple[str, int]]] = {
    "burgers": [("Burger", 899), ("Cheeseburger", 999), ("Double Cheeseburger", 1299), ("Bacon Burger", 1149),
                ("Veggie Burger", 949), ("Chicken Burger", 999), ("Fries", 349), ("Sweet Potato Fries", 449),
                ("Onion Rings", 399), ("Milkshake", 499), ("Chicken Wings", 699), ("Coleslaw", 249),
                ("Cola", 199), ("Brownie", 399)],
    "pizza": [("Margherita", 1099), ("Pepperoni Pizza", 1299), ("Four Cheese Pizza", 1249), ("Hawaiian Pizza", 1249),
              ("Veggie Pizza", 1199), ("BBQ Chicken Pizza", 1399), ("Garlic Bread", 449), ("Caesar Salad", 749),
              ("Calzone", 1299), ("Tiramisu", 549), ("Lemonade", 249), ("Dough Balls", 499)],
    "sushi": [("Salmon Nigiri", 599), ("Tuna Nigiri", 649), ("California Roll", 799), ("Dragon Roll", 1199),
              ("Spicy Tuna Roll", 899), ("Salmon Sashimi", 1099), ("Edamame", 399), ("Miso Soup", 349),
              ("Chicken Katsu", 1149), ("Gyoza", 549), ("Green Tea", 249), ("Mochi", 449)],
    "indian": [("Chicken Tikka Masala", 1149), ("Lamb Rogan Josh", 1299), ("Chana Masala", 899), ("Saag Paneer", 949),
               ("Chicken Biryani", 1199), ("Butter Chicken", 1199), ("Garlic Naan", 349), ("Pilau Rice", 299),
               ("Onion Bhaji", 449), ("Samosa", 399), ("Mango Lassi", 349), ("Dal Makhani", 849)],
    "thai": [("Pad Thai", 1049), ("Green Curry", 1099), ("Red Curry", 1099), ("Massaman Curry", 1149),
             ("Tom Yum Soup", 749), ("Spring Rolls", 549), ("Sticky Rice", 299), ("Papaya Salad", 749),
             ("Pad See Ew", 1049), ("Chicken Satay", 649), ("Thai Iced Tea", 349)],
    "chinese": [("Kung Pao Chicken", 1049), ("Sweet and Sour Pork", 1049), ("Chow Mein", 899),
                ("Egg Fried Rice", 599), ("Crispy Duck", 1499), ("Mapo Tofu", 949), ("Dumplings", 599),
                ("Hot and Sour Soup", 549), ("Char Siu Bun", 449), ("Prawn Crackers", 299), ("Jasmine Tea", 249)],
    "mexican": [("Chicken Burrito", 999), ("Beef Burrito", 1049), ("Veggie Burrito", 949), ("Tacos", 899),
                ("Quesadilla", 849), ("Nachos", 749), ("Guacamole", 449), ("Churros", 449), ("Horchata", 349),
                ("Enchiladas", 1049), ("Burrito Bowl", 1049)],
    "italian": [("Spaghetti Carbonara", 1199), ("Lasagne", 1249), ("Penne Arrabbiata", 999), ("Risotto", 1199),
                ("Gnocchi", 1099), ("Bruschetta", 599), ("Minestrone", 649), ("Panna Cotta", 549),
                ("Tiramisu", 599), ("Espresso", 249), ("Ravioli", 1149)],
    "healthy": [("Chicken Salad", 899), ("Quinoa Bowl", 949), ("Poke Bowl", 1099), ("Falafel Wrap", 799),
                ("Avocado Toast", 749), ("Acai Bowl", 849), ("Green Smoothie", 549), ("Hummus Plate", 649),
                ("Soup of the Day", 599), ("Fresh Juice", 449)],
    "breakfast": [("Full English", 1099), ("Pancakes", 849), ("Eggs Benedict", 999), ("Bacon Roll", 549),
                  ("Granola", 599), ("Croissant", 299), ("French Toast", 849), ("Latte", 329), ("Flat White", 319),
                  ("Orange Juice", 349)],
}
CUISINE_WEIGHTS = {"burgers": 1.4, "pizza": 1.5, "sushi": 0.8, "indian": 1.2, "thai": 0.8, "chinese": 1.0,
                   "mexican": 0.8, "italian": 0.9, "healthy": 0.7, "breakfast": 0.5}

NAME_FIRST = ("Golden", "Little", "Royal", "Happy", "Urban", "Old", "Lucky", "Green", "Red", "Blue", "Silver",
              "Corner", "Family", "Rustic", "Smoky", "Sunny", "Crispy", "Hungry", "Jolly", "Grand")
NAME_SECOND = ("Dragon", "Garden", "Lantern", "Oak", "Harbour", "Fox", "Tiger", "Olive", "Pepper", "Bamboo",
               "Lotus", "Anchor", "Bridge", "Spoon", "Kettle", "Chilli", "Lemon", "Maple", "Crown", "River")
NAME_SUFFIX = {"burgers": ("Burgers", "Grill", "Diner"), "pizza": ("Pizzeria", "Pizza", "Slice"),
               "sushi": ("Sushi", "Sushi Bar", "Izakaya"), "indian": ("Tandoori", "Curry House", "Spice"),
               "thai": ("Thai", "Thai Kitchen", "Noodle Bar"), "chinese": ("Wok", "Kitchen", "Dim Sum"),
               "mexican": ("Taqueria", "Cantina", "Burrito Co"), "italian": ("Trattoria", "Osteria", "Pasta Bar"),
               "healthy": ("Salad Bar", "Bowls", "Greens"), "breakfast": ("Cafe", "Brunch Club", "Bakery")}
